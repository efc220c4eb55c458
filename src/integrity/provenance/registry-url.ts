// Which registry a URL belongs to: a fetch goes out only when its URL lies under one of the configured registry
// base URLs (same scheme, host and port, and below the base path). Everything a registry document points to (the
// tarball, the attestations) is checked the same way, so a packument cannot send Rampart anywhere else.
import { RampartError } from '../../errors.ts';

/** The allowed registry `url` falls under, or undefined. */
export function registryFor(url: URL, registries: readonly string[]): string | undefined {
  for (const registry of registries) {
    const base = new URL(registry);
    if (base.origin !== url.origin || base.protocol !== url.protocol) continue;
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    if (url.pathname === base.pathname || url.pathname.startsWith(prefix)) return registry;
  }
  return undefined;
}

/** Parses `raw` and throws RAMPART_PACKAGE_REGISTRY_REFUSED unless it is under an allowed registry. */
export function checkRegistryUrl(raw: string, registries: readonly string[], what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RampartError('RAMPART_PACKAGE_REGISTRY_REFUSED', `${what} is not a valid URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new RampartError('RAMPART_PACKAGE_REGISTRY_REFUSED', `${what} must not carry credentials`);
  }
  if (!registryFor(url, registries)) {
    throw new RampartError(
      'RAMPART_PACKAGE_REGISTRY_REFUSED',
      `${what} (${url.origin}${url.pathname}) is not on an allowed registry (supplyChain.registries)`,
    );
  }
  return url;
}

/** The packument URL of `name` on `registry` (a scoped name's "/" is escaped, as npm does). */
export function packumentUrl(registry: string, name: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return new URL(name.replace('/', '%2f'), base).href;
}
