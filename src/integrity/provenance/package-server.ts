// The start path of `package` servers: before its upstream starts, the server's package is taken from the cache
// (its tree checked) or fetched, verified and cached; then the upstream runs its bin with this Node. A package
// that fails keeps only its own server down (logged with its error code); the gateway and the other servers run.
import path from 'node:path';
import type { PackageServerConfig } from '../../config/schema.ts';
import { isPackageServer } from '../../config/schema.ts';
import type { SupplyChainConfig } from '../../config/supply-chain-schema.ts';
import { RampartError } from '../../errors.ts';
import type { Logger } from '../../monitor/logger.ts';
import type { Upstream } from '../../upstream/upstream.ts';
import { type CacheEntry, installIntoCache, openCacheEntry } from './package-cache.ts';
import { parsePackageSpec } from './package-spec.ts';
import { sha512HexOf } from './tarball.ts';
import { verifyPackage } from './verify-package.ts';

export interface SupplyChainContext {
  readonly supplyChain: SupplyChainConfig;
  /** The config file's directory: relative `supplyChain` paths are resolved against it. */
  readonly baseDir: string;
  readonly stateDir: string;
  readonly log: Logger;
  readonly now?: () => number;
}

/** The cache directory in force: `supplyChain.cacheDir`, else `<stateDir>/packages`. */
export function packageCacheDir(
  ctx: Pick<SupplyChainContext, 'supplyChain' | 'baseDir' | 'stateDir'>,
): string {
  const configured = ctx.supplyChain.cacheDir;
  return configured ? path.resolve(ctx.baseDir, configured) : path.join(ctx.stateDir, 'packages');
}

/** Verification options from the `supplyChain` section (paths made absolute). */
export function verifyOptionsOf(ctx: Pick<SupplyChainContext, 'supplyChain' | 'baseDir' | 'now'>) {
  const { supplyChain, baseDir } = ctx;
  return {
    registries: supplyChain.registries,
    requireProvenance: supplyChain.requireProvenance,
    registryKeys: supplyChain.registryKeys ? path.resolve(baseDir, supplyChain.registryKeys) : undefined,
    trustedRoot: supplyChain.trustedRoot ? path.resolve(baseDir, supplyChain.trustedRoot) : undefined,
    ...(ctx.now ? { now: ctx.now } : {}),
  };
}

/** The server's package, from the cache when an intact entry exists, else fetched, verified and cached. */
export async function preparePackageServer(
  server: PackageServerConfig,
  ctx: SupplyChainContext,
): Promise<CacheEntry> {
  const spec = parsePackageSpec(server.package);
  const cacheDir = packageCacheDir(ctx);
  const cached = openCacheEntry(cacheDir, sha512HexOf(server.packageIntegrity), spec, server.bin);
  if (cached) {
    // The policy may have tightened since the entry was verified.
    if (ctx.supplyChain.requireProvenance && cached.verification.provenance !== 'verified') {
      throw new RampartError(
        'RAMPART_PACKAGE_PROVENANCE_REQUIRED',
        `${spec.name}@${spec.version} has no provenance attestation and supplyChain.requireProvenance is true`,
      );
    }
    return cached;
  }
  const verified = await verifyPackage(spec, server.packageIntegrity, verifyOptionsOf(ctx));
  return installIntoCache({
    cacheDir,
    spec,
    verification: verified.verification,
    tarball: verified.tarball,
    bin: server.bin,
  });
}

/** Starts an upstream; a `package` server only once its package is verified and cached. */
export function startUpstream(upstream: Upstream, ctx: SupplyChainContext): void {
  const config = upstream.config;
  if (!isPackageServer(config)) {
    upstream.start();
    return;
  }
  const log = ctx.log.child({ server: upstream.name });
  preparePackageServer(config, ctx).then(
    (entry) => {
      upstream.preparedPackage = entry;
      const { verification } = entry;
      log.info('package verified', {
        package: `${verification.name}@${verification.version}`,
        registrySignature: verification.registrySignature,
        provenance: verification.provenance,
        sourceRepository: verification.facts.sourceRepository,
        builder: verification.facts.builder,
        bin: entry.bin.name,
      });
      for (const finding of verification.findings) log.warn('package finding', { ...finding });
      upstream.start();
    },
    (err: unknown) => {
      if (upstream.status === 'closed') return;
      upstream.status = 'down';
      const code = err instanceof RampartError ? err.code : 'RAMPART_INTERNAL';
      const message = err instanceof Error ? err.message : String(err);
      log.error('package verification failed; the server stays down', { code, error: message });
    },
  );
}
