// Builds the credential provider an upstream's config asks for.
import type { UpstreamCredential } from '../../config/auth-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import type { Authorizer } from './authorizer.ts';
import { clientCredentialsProvider } from './client-credentials-provider.ts';
import { identityAssertionProvider } from './identity-assertion-provider.ts';
import { oauthProvider } from './oauth-provider.ts';
import type { CredentialProvider } from './provider.ts';
import type { VaultResolver } from './secret.ts';
import { staticProvider } from './static-provider.ts';
import type { CredentialStore } from './store.ts';
import { tokenExchangeProvider } from './token-exchange-provider.ts';

/** What the runtime lends the providers: the user-agent seam, a shared store, the upstream's logger. */
export interface CredentialDeps {
  /** Runs the browser leg of the authorization code flow (`oauth` credentials only). */
  readonly authorizer?: Authorizer | undefined;
  /** Registrations and tokens of `oauth` credentials; in memory per upstream when not given. */
  readonly store?: CredentialStore | undefined;
  readonly log?: Logger | undefined;
  /** Resolves `{ vault: NAME }` secret references at use time. */
  readonly vault?: VaultResolver | undefined;
}

/** The provider for one upstream, or undefined when it needs no credential. */
export function createCredentialProvider(
  spec: UpstreamCredential | undefined,
  upstreamUrl: string,
  baseDir: string,
  deps: CredentialDeps = {},
): CredentialProvider | undefined {
  if (!spec) return undefined;
  const common = { upstreamUrl, baseDir, log: deps.log, vault: deps.vault };
  switch (spec.type) {
    case 'static':
      return staticProvider(spec, baseDir, deps.vault);
    case 'client_credentials':
      return clientCredentialsProvider({ ...common, spec });
    case 'token_exchange':
      return tokenExchangeProvider({ ...common, spec });
    case 'identity_assertion':
      return identityAssertionProvider({ ...common, spec });
    case 'oauth':
      return oauthProvider({ ...common, spec, authorizer: deps.authorizer, store: deps.store });
  }
}
