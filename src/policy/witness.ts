// Whether some call of a tool could be allowed, decided by finding one: a residual policy set (what partial
// evaluation left, reading only `context.arguments`) is evaluated by Cedar on candidate arguments built from the
// literals the residuals compare arguments with, at every boundary (equal and not, below and above, matching a
// `like` pattern and not, in a literal set and not, present and absent). An item is listed when a candidate is
// allowed; a call of an item that is not listed is refused, so "listed" and "callable" cannot disagree even for
// conditions this search does not understand (they only make the item hidden, never a hidden item callable).
import type { CedarValue } from './arguments.ts';

/**
 * Declared JSON Schema types of a tool's top-level arguments (only candidates a real call could carry); `*` is the
 * type of arguments not declared (prompts: every argument is a string).
 */
export type DeclaredTypes = Readonly<Record<string, string>>;

const FRESH_STRING = 'rampart:witness';
const ABSENT = Symbol('absent');
type Candidate = CedarValue | typeof ABSENT;

interface Access {
  readonly '.'?: { readonly left?: unknown; readonly attr?: unknown };
}

/** The argument name when `node` is `context.arguments.<name>`. */
function argumentOf(node: unknown): string | undefined {
  const access = (node as Access | null)?.['.'];
  if (!access || typeof access.attr !== 'string') return undefined;
  const left = (access.left as Access | null)?.['.'];
  const context = left?.left as { Var?: unknown } | undefined;
  return context?.Var === 'context' && left?.attr === 'arguments' ? access.attr : undefined;
}

function literalOf(node: unknown): CedarValue | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if ('Value' in record) return record['Value'] as CedarValue;
  if (Array.isArray(record['Set'])) {
    const items = (record['Set'] as unknown[]).map(literalOf);
    return items.every((i) => i !== undefined) ? (items as CedarValue[]) : undefined;
  }
  if (Array.isArray(record['decimal'])) {
    const arg = literalOf((record['decimal'] as unknown[])[0]);
    return typeof arg === 'string' ? { __extn: { fn: 'decimal', arg } } : undefined;
  }
  return undefined;
}

function extensionOf(value: CedarValue): { fn: string; arg: string } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const extn = (value as { __extn?: unknown }).__extn;
  return typeof extn === 'object' && extn !== null ? (extn as { fn: string; arg: string }) : undefined;
}

/** Values on every side of a literal a comparison or equality splits the domain at. */
function around(literal: CedarValue): CedarValue[] {
  if (typeof literal === 'number') return [literal - 1, literal, literal + 1];
  if (typeof literal === 'string') return [literal, FRESH_STRING];
  if (typeof literal === 'boolean') return [true, false];
  if (Array.isArray(literal)) return [literal, []];
  const extn = extensionOf(literal);
  if (extn) {
    const value = Number(extn.arg);
    if (extn.fn === 'decimal' && Number.isFinite(value)) {
      return [value - 0.0001, value, value + 0.0001].map((v) => ({
        __extn: { fn: 'decimal', arg: v.toFixed(4) },
      }));
    }
  }
  return [literal];
}

/** Strings that match a `like` pattern (wildcards as nothing and as text) and one that does not. */
function likeCandidates(pattern: unknown): CedarValue[] {
  if (!Array.isArray(pattern)) return [FRESH_STRING];
  const render = (filler: string) =>
    pattern
      .map((p) => (p === 'Wildcard' ? filler : String((p as { Literal?: unknown }).Literal ?? '')))
      .join('');
  return [render(''), render('x'), FRESH_STRING];
}

function collect(residuals: unknown): Map<string, CedarValue[]> {
  const found = new Map<string, CedarValue[]>();
  const add = (name: string, values: CedarValue[]) =>
    found.set(name, [...(found.get(name) ?? []), ...values]);
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const record = node as Record<string, unknown>;
    for (const [op, raw] of Object.entries(record)) {
      const body = raw as {
        left?: unknown;
        right?: unknown;
        arg?: unknown;
        pattern?: unknown;
        attr?: unknown;
      };
      switch (op) {
        case '==':
        case '!=':
        case '<':
        case '<=':
        case '>':
        case '>=': {
          const left = argumentOf(body.left);
          const right = argumentOf(body.right);
          const leftLiteral = literalOf(body.left);
          const rightLiteral = literalOf(body.right);
          if (left !== undefined && rightLiteral !== undefined) add(left, around(rightLiteral));
          if (right !== undefined && leftLiteral !== undefined) add(right, around(leftLiteral));
          break;
        }
        case 'like': {
          const name = argumentOf(body.left);
          if (name !== undefined) add(name, likeCandidates(body.pattern));
          break;
        }
        case 'contains': {
          const member = argumentOf(body.right);
          const set = literalOf(body.left);
          if (member !== undefined && Array.isArray(set)) add(member, [...set, FRESH_STRING]);
          const container = argumentOf(body.left);
          const item = literalOf(body.right);
          if (container !== undefined && item !== undefined) add(container, [[item], []]);
          break;
        }
        case 'containsAll':
        case 'containsAny': {
          const name = argumentOf(body.left);
          const set = literalOf(body.right);
          if (name !== undefined && Array.isArray(set)) add(name, [set, set.slice(0, 1), []]);
          break;
        }
        case 'isEmpty': {
          const name = argumentOf(body.arg);
          if (name !== undefined) add(name, [[], [FRESH_STRING]]);
          break;
        }
        case '&&':
        case '||':
          for (const side of [body.left, body.right]) {
            const name = argumentOf(side);
            if (name !== undefined) add(name, [true, false]);
          }
          break;
        case '!': {
          const name = argumentOf(body.arg);
          if (name !== undefined) add(name, [true, false]);
          break;
        }
        case 'has': {
          // `context.arguments has x`: presence alone (absent is always a candidate).
          const left = (body.left as Access | null)?.['.'];
          if (left?.attr === 'arguments' && typeof body.attr === 'string') add(body.attr, []);
          break;
        }
        default:
          // Extension methods: `{ lessThan: [x, decimal("1.5")] }` and the like.
          if (Array.isArray(raw) && raw.length === 2) {
            const name = argumentOf(raw[0]);
            const literal = literalOf(raw[1]);
            if (name !== undefined && literal !== undefined) add(name, around(literal));
          }
      }
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(residuals);
  return found;
}

function fits(value: CedarValue, declared: string | undefined): boolean {
  switch (declared) {
    case undefined:
      return true;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return extensionOf(value)?.fn === 'decimal';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    default:
      return false;
  }
}

/**
 * Candidate argument records for `residuals`, at most `limit` of them: every combination of each argument's
 * boundary values (absent included), restricted to values of its declared type.
 */
export function witnessCandidates(
  residuals: unknown,
  declared: DeclaredTypes | undefined,
  limit = 2048,
): Record<string, CedarValue>[] {
  const values = [...collect(residuals)].map(([name, found]) => {
    const unique = new Map<string, CedarValue>();
    const type = declared && Object.hasOwn(declared, name) ? declared[name] : declared?.['*'];
    for (const v of found) if (fits(v, type)) unique.set(JSON.stringify(v), v);
    return [name, [ABSENT, ...unique.values()] as Candidate[]] as const;
  });
  const out: Record<string, CedarValue>[] = [];
  const index = values.map(() => 0);
  for (;;) {
    const candidate: Record<string, CedarValue> = {};
    values.forEach(([name, options], i) => {
      const value = options[index[i]!]!;
      if (value !== ABSENT) candidate[name] = value;
    });
    out.push(candidate);
    if (out.length >= limit) return out;
    let i = 0;
    while (i < values.length) {
      index[i]!++;
      if (index[i]! < values[i]![1].length) break;
      index[i] = 0;
      i++;
    }
    if (i === values.length) return out;
  }
}
