// Exact-value exposure control: finds the values of the vault's live secrets and canaries (current and recently
// rotated versions) in text, as they are or in the encodings a value most often travels in (base64, base64url,
// URL-encoding, JSON string escaping), and replaces each with `[REDACTED:NAME]`. One matcher serves tool results,
// log lines and audit payloads, so all three redact exactly the same things.
import type { SecretKind } from './envelope.ts';

export interface ExposureEntry {
  readonly name: string;
  readonly kind: SecretKind;
  readonly value: string;
}

interface Needle {
  readonly text: string;
  readonly name: string;
  readonly kind: SecretKind;
}

export interface Exposure {
  /** Names found (secrets and canaries), each once, in the order first seen. */
  readonly names: readonly string[];
  readonly canaries: readonly string[];
}

/** Beyond this nesting a subtree is scanned as its JSON text and redacted whole (never passed on unscanned). */
const MAX_DEPTH = 256;

export class ExposureMatcher {
  private readonly needles: readonly Needle[];

  constructor(entries: readonly ExposureEntry[]) {
    const seen = new Set<string>();
    const needles: Needle[] = [];
    for (const entry of entries) {
      for (const text of encodings(entry.value)) {
        if (seen.has(text)) continue;
        seen.add(text);
        needles.push({ text, name: entry.name, kind: entry.kind });
      }
    }
    // Longest first: a secret that contains another is replaced whole, not around the shorter one.
    needles.sort((a, b) => b.text.length - a.text.length);
    this.needles = needles;
  }

  get empty(): boolean {
    return this.needles.length === 0;
  }

  /** What `text` exposes. */
  find(text: string): Exposure {
    const names: string[] = [];
    const canaries: string[] = [];
    for (const n of this.needles) {
      if (!text.includes(n.text)) continue;
      if (!names.includes(n.name)) names.push(n.name);
      if (n.kind === 'canary' && !canaries.includes(n.name)) canaries.push(n.name);
    }
    return { names, canaries };
  }

  /** `text` with every exposed value replaced by `[REDACTED:NAME]`. */
  redact(text: string): string {
    let out = text;
    for (const n of this.needles) {
      if (out.includes(n.text)) out = out.split(n.text).join(`[REDACTED:${n.name}]`);
    }
    return out;
  }

  /** What a JSON value exposes in any string (keys included). */
  findDeep(value: unknown): Exposure {
    const names = new Set<string>();
    const canaries = new Set<string>();
    if (!this.empty) {
      walk(value, 0, (text) => {
        const found = this.find(text);
        for (const n of found.names) names.add(n);
        for (const n of found.canaries) canaries.add(n);
      });
    }
    return { names: [...names], canaries: [...canaries] };
  }

  /** A copy of a JSON value with every string (and key) redacted; the value itself when nothing matched. */
  redactDeep<T>(value: T): T {
    if (this.empty) return value;
    return redactValue(value, 0, (text) => this.redact(text)) as T;
  }
}

/** The forms a value is looked for in. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    value,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
  // A form shorter than the value's minimum would match by accident (cannot happen for >= 8 characters, kept safe).
  return forms.filter((f) => f.length >= 8);
}

function walk(value: unknown, depth: number, visit: (text: string) => void): void {
  if (typeof value === 'string') {
    visit(value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_DEPTH) {
    visit(JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) walk(item, depth + 1, visit);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    visit(key);
    walk(item, depth + 1, visit);
  }
}

function redactValue(value: unknown, depth: number, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) return '[REDACTED:depth]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, redact));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[redact(key)] = redactValue(item, depth + 1, redact);
  return out;
}
