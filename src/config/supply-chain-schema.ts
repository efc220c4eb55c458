// Where Rampart may fetch npm packages for `package` servers, and how strictly it judges them
// (src/integrity/provenance). Also the per-server keys that name a package instead of a command.
import { z } from 'zod';
import { parsePackageSpec } from '../integrity/provenance/package-spec.ts';
import { isLoopbackHost } from '../upstream/credentials/ssrf-guard.ts';

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org';

// 64 bytes of SHA-512 in padded base64 are 86 characters and "==".
const SHA512_INTEGRITY = /^sha512-[A-Za-z0-9+/]{86}==$/;

const registryUrl = z.string().superRefine((value, ctx) => {
  const problem = registryUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Why `value` cannot be an allowed registry base URL, or undefined when it can. */
export function registryUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'a registry must use https (plain http only on loopback)';
  }
  if (url.username !== '' || url.password !== '') return 'a registry URL must not carry credentials';
  if (url.search !== '' || url.hash !== '') return 'a registry URL has no query or fragment';
  return undefined;
}

export const supplyChainSchema = z
  .strictObject({
    registries: z
      .array(registryUrl)
      .min(1)
      .default([DEFAULT_REGISTRY])
      .describe(
        'Registry base URLs `package` servers may be fetched from; the first one is used. The packument, tarball and attestations must all come from one of these (https; plain http only on loopback); a redirect must stay on one of them.',
      ),
    requireProvenance: z
      .boolean()
      .default(false)
      .describe(
        'When true, a package without verified Sigstore provenance is refused (its server stays down). When false, the absence is reported as a finding. A provenance that fails verification is refused either way.',
      ),
    registryKeys: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Path to a pinned copy of the registry's `/-/npm/v1/keys` JSON (relative to the config file's directory). Default: fetched from the registry when a package carries signatures or attestations.",
      ),
    trustedRoot: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Path to a Sigstore `trusted_root.json` used to verify provenance (relative to the config file's directory). Default: the copy shipped with Rampart; nothing is fetched over TUF at run time.",
      ),
    cacheDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Where verified packages are unpacked, one read-only directory per tarball SHA-512 (relative to the config file's directory). Default: `<stateDir>/packages`.",
      ),
  })
  .describe('Fetching, verifying and caching the npm packages of `package` servers.');

export type SupplyChainConfig = z.infer<typeof supplyChainSchema>;

/** The keys a stdio server entry gains to run a verified npm package instead of a command. */
export const packageServerFields = {
  package: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parsePackageSpec(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional()
    .describe(
      'Instead of `command`: an npm package at one exact version, `npm:<name>@<version>` (scoped names too). Rampart fetches it from an allowed registry, verifies it and runs its bin with this Node; tags, ranges, git, file and URL specs are refused.',
    ),
  // Not `integrity`: that key already names a server's quarantine mode (src/config/integrity-schema.ts).
  packageIntegrity: z
    .string()
    .regex(
      SHA512_INTEGRITY,
      'must be the sha512 integrity of the tarball ("sha512-" and 88 base64 characters)',
    )
    .optional()
    .describe(
      'Required with `package`: the SHA-512 integrity of the tarball (`sha512-...`), as `rampart server add` records it. A tarball that does not match is refused.',
    ),
  bin: z
    .string()
    .min(1)
    .refine((name) => !/[/\\\0]/.test(name), 'a bin name, not a path')
    .optional()
    .describe(
      "With `package`: which of the package's bins to run. Default: its only bin, or the one named like the package.",
    ),
};

interface StdioEntry {
  readonly command?: string | undefined;
  readonly package?: string | undefined;
  readonly packageIntegrity?: string | undefined;
  readonly bin?: string | undefined;
}

/** A stdio server has exactly one of `command` and `package`; `packageIntegrity` and `bin` belong to `package`. */
export function checkCommandOrPackage(entry: StdioEntry, ctx: z.RefinementCtx): void {
  if (entry.command !== undefined && entry.package !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['package'],
      message: 'give either `command` or `package`, not both',
    });
  } else if (entry.command === undefined && entry.package === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: 'a server needs either `command` or `package` (stdio server) or `url` (HTTP server)',
    });
  }
  if (entry.package !== undefined && entry.packageIntegrity === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['packageIntegrity'],
      message: 'required with `package`: the sha512 pin `rampart server add` records',
    });
  }
  for (const key of ['packageIntegrity', 'bin'] as const) {
    if (entry[key] !== undefined && entry.package === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` is only used with \`package\`` });
    }
  }
}
