// A fixed credential from a secret reference (for upstreams that take an API key or a long-lived token).
import type { CredentialSecretRef } from '../../config/auth-schema.ts';
import type { CredentialProvider } from './provider.ts';
import { readSecret, type VaultResolver } from './secret.ts';

export function staticProvider(
  spec: { header: string; scheme: string; secret: CredentialSecretRef },
  baseDir: string,
  vault?: VaultResolver,
): CredentialProvider {
  return {
    async headers() {
      const value = readSecret(spec.secret, baseDir, vault);
      return { [spec.header.toLowerCase()]: spec.scheme ? `${spec.scheme} ${value}` : value };
    },
  };
}
