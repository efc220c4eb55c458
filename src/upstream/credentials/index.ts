// Builds the credential provider an upstream's config asks for.
import type { UpstreamCredential } from '../../config/auth-schema.ts';
import type { CredentialProvider } from './provider.ts';
import { staticProvider } from './static-provider.ts';

/** The provider for one upstream, or undefined when it needs no credential. */
export function createCredentialProvider(
  spec: UpstreamCredential | undefined,
  upstreamUrl: string,
  baseDir: string,
): CredentialProvider | undefined {
  if (!spec) return undefined;
  switch (spec.type) {
    case 'static':
      return staticProvider(spec, baseDir);
    default:
      throw new Error(`credentials of type ${spec.type} for ${upstreamUrl} are not available in this build`);
  }
}
