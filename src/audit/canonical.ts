// RFC 8785 (JCS) canonical JSON: the one byte form every audit hash is taken over, so a verifier in any
// language that parses and re-canonicalises a record gets the same bytes.
//
// The `canonicalize` package is the reference (and handles any depth with an explicit stack and detects
// cycles); the walk below gives the same output for what audit events hold (JSON.parse output and plain
// objects) about 2-3 times faster, which matters at one event per call. The tests check both agree.
import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

// Deeper values (unusual in MCP payloads; possibly cyclic) go to the reference implementation.
const MAX_DEPTH = 100;

/** Canonical JSON of `value`; throws on what JSON cannot hold (undefined at the top, NaN, cycles, lone surrogates). */
export function canonicalJson(value: unknown): string {
  const text = canon(value, 0);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

// Printable ASCII other than `"` and `\`: needs no escaping at all (most names, ids and times), checked in a
// third of the time JSON.stringify takes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as RFC 8785 writes it: JSON.stringify's escaping, which JCS adopts, minus lone surrogates. */
export function canonicalString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  const text = JSON.stringify(s);
  // JSON.stringify escapes a lone surrogate as \udXXX; only then is the slower exact check needed.
  if (text.includes('\\ud') && !s.isWellFormed()) throw new TypeError('lone surrogate in string');
  return text;
}

function canon(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite number');
      // ECMAScript's Number-to-String is exactly the number form RFC 8785 specifies.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) return canonicalize(value);
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return canon((value as { toJSON(): unknown }).toJSON(), depth + 1);
      }
      if (value instanceof Number || value instanceof String || value instanceof Boolean) {
        return canon(value.valueOf(), depth + 1);
      }
      return Array.isArray(value)
        ? canonArray(value, depth)
        : canonObject(value as Record<string, unknown>, depth);
    case 'bigint':
      throw new TypeError('BigInt has no JSON representation');
    default:
      // undefined, functions, symbols: dropped from objects, null in arrays (as JSON.stringify does).
      return undefined;
  }
}

function canonArray(array: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ',';
    out += canon(array[i], depth + 1) ?? 'null';
  }
  return `${out}]`;
}

function canonObject(object: Record<string, unknown>, depth: number): string {
  // Default sort compares UTF-16 code units, the order RFC 8785 prescribes.
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const text = canon(object[key], depth + 1);
    if (text === undefined) continue;
    out += `${first ? '' : ','}${canonicalString(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Canonical JSON of a value that came off the wire. JSON.parse happily yields lone surrogates ("\ud800"), which
 * RFC 8785 forbids; rather than lose the audit record (and so fail the request) they become U+FFFD and the
 * caller is told the form is lossy.
 */
export function canonicalJsonLenient(value: unknown): { text: string; lossy: boolean } {
  try {
    return { text: canonicalJson(value), lossy: false };
  } catch {
    return { text: canonicalJson(wellFormed(value, 0)), lossy: true };
  }
}

function wellFormed(value: unknown, depth: number): unknown {
  // A cycle (never from JSON.parse) ends here instead of in a stack overflow.
  if (depth > 512) return null;
  if (typeof value === 'string') return value.toWellFormed();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((inner) => wellFormed(inner, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key.toWellFormed()] = wellFormed(inner, depth + 1);
  return out;
}

/** Lower-case hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return hash('sha256', text);
}
