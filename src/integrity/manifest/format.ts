// The signed manifest format (version 1): what a publisher says its server serves, as one `contractHash` per
// definition (src/integrity/pins.ts). The signature covers the file's exact bytes, so nothing here has to
// re-serialise a manifest the same way twice; parsing is strict so that a manifest means one thing only.
import { z } from 'zod';
import { ManifestError } from './manifest-error.ts';

export const MANIFEST_VERSION = 1;

/** Larger files are refused before parsing: a manifest lists hashes, not definitions. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256 (64 characters)');
const name = z.string().min(1, 'must not be empty').max(1024);
const instant = z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time with a time zone' });

const named = z.strictObject({ name, sha256 });
const template = z.strictObject({ uriTemplate: name, sha256 });

const manifestSchema = z
  .strictObject({
    rampartManifest: z.literal(MANIFEST_VERSION),
    server: name,
    publisher: z.string().max(1024),
    issuedAt: instant,
    expiresAt: instant.optional(),
    instructions: z.strictObject({ sha256 }).optional(),
    identity: z.strictObject({ name }).optional(),
    tools: z.array(named),
    prompts: z.array(named),
    resourceTemplates: z.array(template),
  })
  .superRefine((m, ctx) => {
    if (m.expiresAt !== undefined && Date.parse(m.expiresAt) <= Date.parse(m.issuedAt)) {
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be later than issuedAt' });
    }
    // One entry per key: a second entry under the same name would make "the" signed hash ambiguous.
    const unique = (list: 'tools' | 'prompts' | 'resourceTemplates', keys: readonly string[]) => {
      const seen = new Set<string>();
      keys.forEach((key, index) => {
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: [list, index], message: `duplicate "${key}"` });
        seen.add(key);
      });
    };
    unique(
      'tools',
      m.tools.map((t) => t.name),
    );
    unique(
      'prompts',
      m.prompts.map((p) => p.name),
    );
    unique(
      'resourceTemplates',
      m.resourceTemplates.map((t) => t.uriTemplate),
    );
  });

/** A parsed, valid manifest. */
export type Manifest = z.infer<typeof manifestSchema>;

/** The manifest's JSON text as `rampart manifest build` writes it (two-space indent, final newline). */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Parses and validates manifest bytes; throws ManifestError(RAMPART_MANIFEST_INVALID) naming what is wrong. */
export function parseManifest(bytes: Uint8Array | string): Manifest {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_MANIFEST_BYTES) invalid(`${size} bytes is more than the ${MAX_MANIFEST_BYTES} allowed`);
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    invalid('not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    invalid(`not valid JSON (${err instanceof SyntaxError ? err.message : 'parse error'})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) invalid('not a JSON object');
  const version = (json as Record<string, unknown>)['rampartManifest'];
  if (version === undefined) invalid('not a Rampart manifest: `rampartManifest` is missing');
  if (version !== MANIFEST_VERSION) {
    invalid(
      `unsupported manifest version ${JSON.stringify(version)}; this Rampart reads version ${MANIFEST_VERSION}`,
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) invalid(parsed.error.issues.map((issue) => describeIssue(issue, json)).join('; '));
  return parsed.data;
}

/** The manifest's validity window as dates. */
export function manifestValidity(manifest: Manifest): { issuedAt: Date; expiresAt: Date | undefined } {
  return {
    issuedAt: new Date(manifest.issuedAt),
    expiresAt: manifest.expiresAt === undefined ? undefined : new Date(manifest.expiresAt),
  };
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issue.path.reduce<string>(
    (out, segment) =>
      typeof segment === 'number'
        ? `${out}[${segment}]`
        : out
          ? `${out}.${String(segment)}`
          : String(segment),
    '',
  );
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (where ? `${where}.${k}` : k)).join(', ');
    return `unknown key ${keys}`;
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return `${where} is missing`;
  return `${where || '(top level)'}: ${issue.message}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function invalid(reason: string): never {
  throw new ManifestError('RAMPART_MANIFEST_INVALID', `manifest ${reason}`);
}
