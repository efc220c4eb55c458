// A minimal OAuth authorization server plus the PRM of an MCP server at /mcp, on one local server, for the
// provider tests. The authorizer it hands out plays the user agent: it reads the authorization URL, "approves"
// and returns the redirect's parameters, so tests can see exactly what Rampart put in the request.
import type { AuthorizationResponse } from '../../../src/upstream/credentials/authorization.ts';
import type { AuthorizationPrompt, Authorizer } from '../../../src/upstream/credentials/authorizer.ts';
import { s256 } from '../../../src/upstream/credentials/pkce.ts';
import { type LocalServer, type Recorded, type Reply, startServer } from './local-server.ts';

export interface MockOptions {
  prmScopes?: string[];
  scopesSupported?: string[];
  authMethods?: string[];
  codeChallengeMethods?: string[] | null;
  registration?: boolean;
  cimd?: boolean;
  issParameterSupported?: boolean;
  /** Lifetime of issued tokens, seconds. */
  expiresIn?: number;
  refreshTokens?: boolean;
  /** The token endpoint refuses refresh tokens. */
  refuseRefresh?: boolean;
  /** Override what the authorization "redirect" returns. */
  respond?: (prompt: AuthorizationPrompt, query: URLSearchParams) => Partial<AuthorizationResponse>;
}

export interface MockAs {
  readonly server: LocalServer;
  readonly url: string;
  readonly mcpUrl: string;
  readonly prmUrl: string;
  options: MockOptions;
  /** Query of each authorization request, in order. */
  readonly authorizations: URLSearchParams[];
  readonly authorizer: Authorizer;
  tokenRequests(): Recorded[];
  /** Forgets options, requests and counters between tests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startMockAs(initial: MockOptions = {}): Promise<MockAs> {
  const authorizations: URLSearchParams[] = [];
  const challenges = new Map<string, { challenge: string; scope: string | null }>();
  let issued = 0;
  const state: { options: MockOptions } = { options: initial };
  const token = (scope: string | null): Reply => {
    issued++;
    return {
      json: {
        access_token: `at-${issued}`,
        token_type: 'Bearer',
        ...(state.options.expiresIn !== undefined ? { expires_in: state.options.expiresIn } : {}),
        ...(state.options.refreshTokens ? { refresh_token: `rt-${issued}` } : {}),
        ...(scope ? { scope } : {}),
      },
    };
  };
  const server = await startServer((req, base) => {
    const o = state.options;
    switch (req.path) {
      case '/.well-known/oauth-protected-resource/mcp':
        return {
          json: {
            resource: `${base}/mcp`,
            authorization_servers: [base],
            ...(o.prmScopes ? { scopes_supported: o.prmScopes } : {}),
          },
        };
      case '/.well-known/oauth-authorization-server':
        return {
          json: {
            issuer: base,
            authorization_endpoint: `${base}/authorize`,
            token_endpoint: `${base}/token`,
            ...(o.registration === false ? {} : { registration_endpoint: `${base}/register` }),
            ...(o.codeChallengeMethods === null
              ? {}
              : { code_challenge_methods_supported: o.codeChallengeMethods ?? ['S256'] }),
            ...(o.scopesSupported ? { scopes_supported: o.scopesSupported } : {}),
            token_endpoint_auth_methods_supported: o.authMethods ?? ['none'],
            ...(o.cimd ? { client_id_metadata_document_supported: true } : {}),
            ...(o.issParameterSupported ? { authorization_response_iss_parameter_supported: true } : {}),
          },
        };
      case '/register':
        return { status: 201, json: { client_id: `dcr-client-${req.body.length}`, client_name: 'x' } };
      case '/token': {
        const grant = req.form.get('grant_type');
        if (grant === 'authorization_code') {
          const code = req.form.get('code') ?? '';
          const expected = challenges.get(code);
          challenges.delete(code);
          if (!expected || s256(req.form.get('code_verifier') ?? '') !== expected.challenge) {
            return { status: 400, json: { error: 'invalid_grant' } };
          }
          return token(expected.scope);
        }
        if (grant === 'refresh_token') {
          if (o.refuseRefresh) return { status: 400, json: { error: 'invalid_grant' } };
          return token(null);
        }
        return { status: 400, json: { error: 'unsupported_grant_type' } };
      }
      default:
        return undefined;
    }
  });
  const authorizer: Authorizer = {
    redirectUri: 'http://127.0.0.1/callback',
    async authorize(prompt) {
      const query = new URL(prompt.url).searchParams;
      authorizations.push(query);
      const code = `code-${authorizations.length}`;
      challenges.set(code, { challenge: query.get('code_challenge') ?? '', scope: query.get('scope') });
      return { code, state: query.get('state') ?? undefined, ...state.options.respond?.(prompt, query) };
    },
  };
  return {
    server,
    url: server.url,
    mcpUrl: `${server.url}/mcp`,
    prmUrl: `${server.url}/.well-known/oauth-protected-resource/mcp`,
    get options() {
      return state.options;
    },
    set options(next: MockOptions) {
      state.options = next;
    },
    authorizations,
    authorizer,
    tokenRequests: () => server.hits('/token'),
    reset() {
      state.options = {};
      authorizations.length = 0;
      server.requests.length = 0;
      issued = 0;
    },
    close: () => server.close(),
  };
}
