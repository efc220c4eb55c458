// The gateway's one entry point: read a server's manifest and its signature material, verify every configured
// route, then check the manifest's validity window against an injected clock. Nothing is fetched: keys,
// bundles and trusted roots are all local files.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ManifestConfig } from '../../config/manifest-schema.ts';
import { verifyEd25519 } from './ed25519.ts';
import { MAX_MANIFEST_BYTES, type Manifest, manifestValidity, parseManifest } from './format.ts';
import { failure, failureFrom, ManifestError, type ManifestFailure } from './manifest-error.ts';
import { verifySigstoreBundle } from './sigstore.ts';

/** How far a manifest's `issuedAt` may lie ahead of our clock (the publisher's clock may run fast). */
export const ISSUED_AT_SKEW_MS = 5 * 60_000;

const MAX_SIGNATURE_BYTES = 4 * 1024;
const MAX_KEY_BYTES = 64 * 1024;
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;

export interface VerifiedManifest {
  readonly ok: true;
  readonly manifest: Manifest;
  /** Who signed it: `ed25519:<key id>` and/or `sigstore:<subject> (issuer <issuer>)`, comma-separated. */
  readonly signer: string;
  /** Hex SHA-256 of the manifest file's bytes, for audit records. */
  readonly manifestSha256: string;
}

/**
 * Reads and verifies a server's signed manifest. Relative paths are taken against `baseDir` (the config file's
 * directory). When both an Ed25519 signature and a Sigstore bundle are configured, both must verify.
 */
export async function loadVerifiedManifest(
  config: ManifestConfig,
  baseDir: string,
  now: Date,
): Promise<VerifiedManifest | ManifestFailure> {
  try {
    return await load(config, baseDir, now);
  } catch (err) {
    return failureFrom(err);
  }
}

async function load(
  config: ManifestConfig,
  baseDir: string,
  now: Date,
): Promise<VerifiedManifest | ManifestFailure> {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  const bytes = await readLimited(at(config.file), 'manifest', MAX_MANIFEST_BYTES);
  const signers: string[] = [];
  let routes = 0;

  if (config.signature !== undefined || config.publisherKeys !== undefined) {
    if (config.signature === undefined || !config.publisherKeys?.length) {
      return failure(
        'RAMPART_MANIFEST_KEY_INVALID',
        'an Ed25519 route needs both `signature` and `publisherKeys`',
      );
    }
    routes++;
    const signature = await readLimited(at(config.signature), 'signature', MAX_SIGNATURE_BYTES);
    const keys = await Promise.all(
      config.publisherKeys.map((key) => readLimited(at(key), 'publisher key', MAX_KEY_BYTES)),
    );
    const verified = verifyEd25519(
      bytes,
      signature.toString('utf8'),
      keys.map((key) => key.toString('utf8')),
    );
    if (!verified.ok) return verified;
    signers.push(`ed25519:${verified.keyId}`);
  }

  if (config.bundle !== undefined || config.trustedRoot !== undefined || config.identities !== undefined) {
    if (config.bundle === undefined || config.trustedRoot === undefined || !config.identities?.length) {
      return failure(
        'RAMPART_MANIFEST_KEY_INVALID',
        'a Sigstore route needs `bundle`, `trustedRoot` and `identities`',
      );
    }
    routes++;
    const bundle = await readJson(
      at(config.bundle),
      'bundle',
      MAX_BUNDLE_BYTES,
      'RAMPART_MANIFEST_BUNDLE_INVALID',
    );
    const root = await readJson(
      at(config.trustedRoot),
      'trusted root',
      MAX_TRUSTED_ROOT_BYTES,
      'RAMPART_MANIFEST_KEY_INVALID',
    );
    const verified = verifySigstoreBundle(bytes, bundle, root, config.identities);
    if (!verified.ok) return verified;
    signers.push(`sigstore:${verified.subject} (issuer ${verified.issuer})`);
  }

  if (routes === 0) return failure('RAMPART_MANIFEST_KEY_INVALID', 'no verification route is configured');

  const manifest = parseManifest(bytes);
  const { issuedAt, expiresAt } = manifestValidity(manifest);
  if (expiresAt !== undefined && now.getTime() >= expiresAt.getTime()) {
    return failure('RAMPART_MANIFEST_EXPIRED', `the manifest expired at ${expiresAt.toISOString()}`);
  }
  if (issuedAt.getTime() > now.getTime() + ISSUED_AT_SKEW_MS) {
    return failure(
      'RAMPART_MANIFEST_NOT_YET_VALID',
      `the manifest is issued at ${issuedAt.toISOString()}, in the future`,
    );
  }
  return {
    ok: true,
    manifest,
    signer: signers.join(', '),
    manifestSha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

async function readLimited(path: string, what: string, limit: number): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile())
      throw new ManifestError('RAMPART_MANIFEST_UNREADABLE', `${what} ${path} is not a file`);
    if (info.size > limit) {
      throw new ManifestError(
        'RAMPART_MANIFEST_UNREADABLE',
        `${what} ${path} is ${info.size} bytes, more than the ${limit} allowed`,
      );
    }
    return await readFile(path);
  } catch (err) {
    if (err instanceof ManifestError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ManifestError('RAMPART_MANIFEST_UNREADABLE', `cannot read ${what} ${path} (${code})`);
  }
}

async function readJson(
  path: string,
  what: string,
  limit: number,
  code: 'RAMPART_MANIFEST_BUNDLE_INVALID' | 'RAMPART_MANIFEST_KEY_INVALID',
): Promise<unknown> {
  const bytes = await readLimited(path, what, limit);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ManifestError(code, `${what} ${path} is not valid JSON`);
  }
}
