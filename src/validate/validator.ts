// Validates a tool call's arguments against the tool's input schema: structural limits first, then the schema's
// compiled validator, cached by the schema's contract hash. Outcomes carry stable codes and a JSON pointer, never
// the caller's values.
import type { ErrorObject } from 'ajv';
import { contractHash } from '../integrity/pins.ts';
import { LruCache } from './cache.ts';
import { type CompileResult, compileSchema } from './compile.ts';
import { type ArgumentLimits, checkArgumentLimits, DEFAULT_ARGUMENT_LIMITS, pointerToken } from './limits.ts';

export type ValidationOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'RAMPART_ARGUMENT_INVALID' | 'RAMPART_ARGUMENT_LIMIT' | 'RAMPART_TOOL_SCHEMA_INVALID';
      readonly reason: string;
      readonly data: Record<string, unknown>;
    };

export interface ArgumentValidatorOptions {
  readonly limits?: ArgumentLimits;
  /** How many compiled schemas are kept (least recently used evicted). */
  readonly cacheSize?: number;
  /** Injectable for tests; defaults to ajv. */
  readonly compile?: (schema: unknown) => CompileResult;
}

export interface ArgumentValidator {
  /** Checks `args` against `schema` (a tool's inputSchema). */
  validate(schema: unknown, args: unknown): ValidationOutcome;
}

export const DEFAULT_CACHE_SIZE = 512;
/** Pointers and names from the caller are cut to this, so an error never echoes a long value. */
const MAX_SHOWN = 120;

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function where(path: string): string {
  return path === '' ? 'Argument at root' : `Argument at "${shorten(path)}"`;
}

/** The pointer an ajv error is about: for a missing or extra property, that property itself. */
function errorPath(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const property =
    error.keyword === 'required' || error.keyword === 'dependentRequired' || error.keyword === 'dependencies'
      ? params['missingProperty']
      : error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties'
        ? (params['additionalProperty'] ?? params['unevaluatedProperty'])
        : undefined;
  return typeof property === 'string'
    ? `${error.instancePath}/${pointerToken(property)}`
    : error.instancePath;
}

/** Builds a validator with limits and a bounded cache of compiled schemas. */
export function createArgumentValidator(options: ArgumentValidatorOptions = {}): ArgumentValidator {
  const limits = options.limits ?? DEFAULT_ARGUMENT_LIMITS;
  const compile = options.compile ?? compileSchema;
  const cache = new LruCache<string, CompileResult>(options.cacheSize ?? DEFAULT_CACHE_SIZE);

  const compiled = (schema: unknown): CompileResult => {
    const key = contractHash(schema ?? null);
    let result = cache.get(key);
    if (!result) {
      // A broken schema is cached too: it stays broken until the server serves another one (a new hash).
      result = compile(schema);
      cache.set(key, result);
    }
    return result;
  };

  return {
    validate(schema, args) {
      const violation = checkArgumentLimits(args, limits);
      if (violation) {
        return {
          ok: false,
          code: 'RAMPART_ARGUMENT_LIMIT',
          reason: `${where(violation.path)} exceeds ${violation.limit} (${violation.max})`,
          data: { path: shorten(violation.path), limit: violation.limit, max: violation.max },
        };
      }
      const result = compiled(schema);
      if (!result.ok) {
        return { ok: false, code: 'RAMPART_TOOL_SCHEMA_INVALID', reason: result.reason, data: {} };
      }
      const errors = result.validate(args);
      if (!errors) return { ok: true };
      // ajv lists a combinator's branch errors before the combinator's own: the last error is the outermost
      // failure, which names the keyword the caller actually broke.
      const error = errors.at(-1);
      if (!error) {
        return {
          ok: false,
          code: 'RAMPART_ARGUMENT_INVALID',
          reason: 'The arguments are invalid',
          data: { path: '' },
        };
      }
      const path = errorPath(error);
      // ajv's messages name schema values (limits, formats), never the instance's.
      const message = shorten(error.message ?? 'is invalid');
      return {
        ok: false,
        code: 'RAMPART_ARGUMENT_INVALID',
        reason: `${where(path)} fails "${error.keyword}": ${message}`,
        data: { path: shorten(path), keyword: error.keyword, schemaPath: shorten(error.schemaPath) },
      };
    },
  };
}
