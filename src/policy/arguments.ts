// Tool arguments as Cedar sees them, typed from the tool's input schema: integers become Long, numbers decimal,
// arrays Set, objects Record. An argument whose value does not fit its declared type is refused outright: a
// forbid guarded by `has` must never be skipped because an agent sent `"1000"` where the schema says integer.
import { isObject, type JsonObject } from '../core/jsonrpc.ts';

/** A Cedar value in the JSON form cedar-wasm accepts. */
export type CedarValue =
  | boolean
  | number
  | string
  | CedarValue[]
  | { [key: string]: CedarValue }
  | { __extn: { fn: string; arg: string } };

/** The argument at `path` does not match its declared type (refused with RAMPART_ARGUMENT_TYPE). */
export class ArgumentTypeError extends Error {
  readonly path: string;
  constructor(path: string, expected: string) {
    super(`argument ${path} is not ${expected} as the tool's input schema declares`);
    this.path = path;
  }
}

const I64_MAX = 9_223_372_036_854_775_807n;
/** Cedar decimals have four fractional digits and the range of an i64 scaled by 10^4. */
const DECIMAL_LIMIT = 922_337_203_685_477;

/** The Cedar type expression for one JSON Schema, or undefined when it has no single Cedar type. */
export function cedarTypeOf(schema: unknown, depth = 0): string | undefined {
  if (!isObject(schema) || depth > 8) return undefined;
  switch (schema['type']) {
    case 'string':
      return 'String';
    case 'integer':
      return 'Long';
    case 'number':
      return 'decimal';
    case 'boolean':
      return 'Bool';
    case 'array': {
      const item = cedarTypeOf(schema['items'], depth + 1);
      return item === undefined ? undefined : `Set<${item}>`;
    }
    case 'object':
      return recordTypeOf(schema, depth + 1);
    default:
      return undefined;
  }
}

/** A record type of the schema's properties, all optional (arguments an agent may leave out). */
function recordTypeOf(schema: JsonObject, depth: number): string {
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const fields: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const type = cedarTypeOf(property, depth);
    if (type !== undefined) fields.push(`${quoteAttribute(name)}?: ${type}`);
  }
  return `{${fields.join(', ')}}`;
}

/** Attribute names that are not identifiers are written as strings. */
function quoteAttribute(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * The union of the arguments of many tools as one record type (every attribute optional). An argument declared
 * with different types by different tools is left out of the type, and named in `conflicts`.
 */
export function argumentsTypeOf(inputSchemas: readonly unknown[]): { type: string; conflicts: string[] } {
  const types = new Map<string, string>();
  const conflicts = new Set<string>();
  for (const schema of inputSchemas) {
    if (!isObject(schema) || !isObject(schema['properties'])) continue;
    for (const [name, property] of Object.entries(schema['properties'])) {
      const type = cedarTypeOf(property);
      if (type === undefined) continue;
      const seen = types.get(name);
      if (seen !== undefined && seen !== type) conflicts.add(name);
      else types.set(name, type);
    }
  }
  const fields = [...types]
    .filter(([name]) => !conflicts.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, type]) => `${quoteAttribute(name)}?: ${type}`);
  return { type: `{${fields.join(', ')}}`, conflicts: [...conflicts].sort() };
}

/** The call's arguments as a Cedar record, typed by `schema` where it declares a type. Throws ArgumentTypeError. */
export function cedarArguments(args: unknown, schema: unknown): Record<string, CedarValue> {
  if (args === undefined || args === null) return {};
  if (!isObject(args)) throw new ArgumentTypeError('arguments', 'an object');
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  return convertRecord(args, properties, 'arguments', 0);
}

function convertRecord(
  value: JsonObject,
  properties: JsonObject,
  path: string,
  depth: number,
): Record<string, CedarValue> {
  const out: Record<string, CedarValue> = {};
  for (const [name, item] of Object.entries(value)) {
    const converted = convert(item, properties[name], `${path}.${name}`, depth + 1);
    if (converted !== undefined) out[name] = converted;
  }
  return out;
}

/** One value; `undefined` (left out of the record) only for JSON null, which Cedar cannot represent. */
function convert(value: unknown, schema: unknown, path: string, depth: number): CedarValue | undefined {
  if (depth > 32) throw new ArgumentTypeError(path, 'nested at most 32 levels');
  const declared = isObject(schema) && typeof schema['type'] === 'string' ? schema['type'] : undefined;
  if (value === null) {
    if (declared !== undefined && declared !== 'null') throw new ArgumentTypeError(path, declared);
    return undefined;
  }
  switch (declared) {
    case 'string':
      if (typeof value !== 'string') throw new ArgumentTypeError(path, 'a string');
      return value;
    case 'integer':
      return long(value, path);
    case 'number':
      return decimal(value, path);
    case 'boolean':
      if (typeof value !== 'boolean') throw new ArgumentTypeError(path, 'a boolean');
      return value;
    case 'array':
      if (!Array.isArray(value)) throw new ArgumentTypeError(path, 'an array');
      return value.flatMap((item, i) => {
        const converted = convert(
          item,
          isObject(schema) ? schema['items'] : undefined,
          `${path}[${i}]`,
          depth + 1,
        );
        return converted === undefined ? [] : [converted];
      });
    case 'object': {
      if (!isObject(value)) throw new ArgumentTypeError(path, 'an object');
      const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
      return convertRecord(value, properties, path, depth);
    }
    default:
      return untyped(value, path, depth);
  }
}

/** A value without a declared type: integers as Long, other numbers as decimal, the rest by its JSON shape. */
function untyped(value: unknown, path: string, depth: number): CedarValue | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? long(value, path) : decimal(value, path);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value))
    return value.flatMap((item, i) => convert(item, undefined, `${path}[${i}]`, depth + 1) ?? []);
  if (isObject(value)) return convertRecord(value, {}, path, depth);
  throw new ArgumentTypeError(path, 'JSON');
}

function long(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ArgumentTypeError(path, 'an integer');
  const big = BigInt(value);
  if (big > I64_MAX || big < -I64_MAX - 1n) throw new ArgumentTypeError(path, 'a 64-bit integer');
  return value;
}

/** A number as a Cedar decimal, rounded to the four fractional digits Cedar keeps. */
function decimal(value: unknown, path: string): CedarValue {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= DECIMAL_LIMIT) {
    throw new ArgumentTypeError(path, 'a number in the range of a Cedar decimal');
  }
  const fixed = value.toFixed(4);
  return { __extn: { fn: 'decimal', arg: fixed === '-0.0000' ? '0.0000' : fixed } };
}
