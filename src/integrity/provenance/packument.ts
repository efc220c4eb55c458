// The registry's document for one package version (from the full packument, which also says when each version was
// published: a registry key's expiry is judged against that time, as npm does).
import { z } from 'zod';
import { RampartError } from '../../errors.ts';
import type { PackageSpec } from './package-spec.ts';
import { registryGetJson } from './registry-http.ts';
import { packumentUrl } from './registry-url.ts';

/** A full packument of a popular package runs to tens of megabytes. */
const MAX_PACKUMENT_BYTES = 64 * 1024 * 1024;

const signature = z.looseObject({ keyid: z.string().min(1), sig: z.string().min(1) });

const dist = z.looseObject({
  tarball: z.string().min(1),
  integrity: z.string().optional(),
  shasum: z.string().optional(),
  signatures: z.array(signature).optional(),
  attestations: z
    .looseObject({
      url: z.string().min(1),
      provenance: z.looseObject({ predicateType: z.string() }).optional(),
    })
    .optional(),
});

const versionManifest = z.looseObject({
  name: z.string(),
  version: z.string(),
  dist,
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
  scripts: z.record(z.string(), z.unknown()).optional(),
  _hasShrinkwrap: z.boolean().optional(),
});

export type VersionManifest = z.infer<typeof versionManifest>;
export type RegistrySignature = z.infer<typeof signature>;

export interface VersionDocument {
  readonly manifest: VersionManifest;
  /** `time[version]` of the packument, when present and valid. */
  readonly publishedAt: Date | undefined;
}

/** Fetches the packument of `spec.name` from `registry` and returns the document of `spec.version`. */
export async function fetchVersionDocument(
  spec: PackageSpec,
  registry: string,
  registries: readonly string[],
): Promise<VersionDocument> {
  const what = `the packument of ${spec.name}`;
  const packument = await registryGetJson(packumentUrl(registry, spec.name), {
    registries,
    accept: 'application/json',
    maxBytes: MAX_PACKUMENT_BYTES,
    what,
  });
  return versionDocumentOf(packument, spec);
}

/** Picks and validates `spec.version` out of a packument. */
export function versionDocumentOf(packument: unknown, spec: PackageSpec): VersionDocument {
  const doc = packument as { versions?: Record<string, unknown>; time?: Record<string, unknown> } | null;
  const raw = doc?.versions?.[spec.version];
  if (raw === undefined) {
    throw new RampartError('RAMPART_PACKAGE_NOT_FOUND', `${spec.name} has no version ${spec.version}`);
  }
  const parsed = versionManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RampartError(
      'RAMPART_PACKAGE_FETCH_FAILED',
      `the registry document of ${spec.name}@${spec.version} is malformed (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
    );
  }
  const manifest = parsed.data;
  if (manifest.name !== spec.name || manifest.version !== spec.version) {
    throw new RampartError(
      'RAMPART_PACKAGE_FETCH_FAILED',
      `the registry document for ${spec.name}@${spec.version} describes ${manifest.name}@${manifest.version}`,
    );
  }
  const time = doc?.time?.[spec.version];
  const publishedAt =
    typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? new Date(time) : undefined;
  return { manifest, publishedAt };
}
