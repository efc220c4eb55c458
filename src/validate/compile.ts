// Compiles a tool's input schema with ajv, choosing the dialect by `$schema` (MCP's default is 2020-12). The
// schema comes from an upstream server, so compiling never throws: a broken schema becomes a result.

import type { ErrorObject } from 'ajv';
import Ajv07Module from 'ajv';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** A compiled check: returns its errors (ajv's), or undefined when the value is valid. */
export type CompiledValidator = (value: unknown) => readonly ErrorObject[] | undefined;

export type CompileResult =
  | { readonly ok: true; readonly validate: CompiledValidator }
  | { readonly ok: false; readonly reason: string };

export type Dialect = '2020-12' | 'draft-07';

// ajv is CommonJS: Node's default import is `module.exports` (the class), TypeScript's view is the module.
type AjvClass = typeof Ajv07Module.default;
const interop = <T>(mod: T): T extends { default: infer D } ? D : T =>
  ((mod as { default?: unknown }).default ?? mod) as T extends { default: infer D } ? D : T;
const Ajv07 = interop(Ajv07Module) as AjvClass;
const Ajv2020 = interop(Ajv2020Module) as unknown as AjvClass;
const addFormats = interop(addFormatsModule);

const DIALECTS: Record<string, Dialect> = {
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft-07/schema': 'draft-07',
};

/** The dialect a schema declares with `$schema` (absent: 2020-12), or undefined for one Rampart does not support. */
export function dialectOf(schema: object): Dialect | undefined {
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return undefined;
  return DIALECTS[declared.replace(/#$/, '')];
}

// One ajv instance per dialect: building one and adding formats costs far more than a compile.
const instances = new Map<Dialect, InstanceType<AjvClass>>();

function ajvFor(dialect: Dialect): InstanceType<AjvClass> {
  let ajv = instances.get(dialect);
  if (!ajv) {
    const Class = dialect === '2020-12' ? Ajv2020 : Ajv07;
    // strict: false so unknown keywords and formats are ignored (annotations, as JSON Schema says), and
    // logger: false so a server's odd schema cannot flood Rampart's log.
    ajv = new Class({ strict: false, logger: false, allErrors: false, validateFormats: true });
    addFormats(ajv);
    instances.set(dialect, ajv);
  }
  return ajv;
}

const MAX_REASON = 200;

/** Compiles `schema` (an object) for its declared dialect; never throws. */
export function compileSchema(schema: unknown): CompileResult {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    return { ok: false, reason: 'inputSchema is not a JSON object' };
  }
  const dialect = dialectOf(schema);
  if (!dialect) return { ok: false, reason: 'inputSchema declares an unsupported $schema' };
  const ajv = ajvFor(dialect);
  try {
    const fn = ajv.compile(schema);
    return {
      ok: true,
      validate: (value) => (fn(value) ? undefined : (fn.errors ?? [])),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `inputSchema does not compile: ${message.slice(0, MAX_REASON)}` };
  } finally {
    // ajv keeps every compiled schema (and registers its $id); Rampart's own bounded cache owns them instead, and
    // two servers may reuse one $id for different schemas.
    try {
      ajv.removeSchema(schema);
    } catch {
      // Nothing was registered.
    }
  }
}
