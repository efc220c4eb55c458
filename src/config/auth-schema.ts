// Configuration of identity: Rampart as an OAuth 2.1 resource server for its clients (inbound), its TLS/mTLS
// listener, and the credentials it uses toward each upstream (outbound). Secrets are never written inline:
// a secret is a reference to an environment variable or a file, and for upstream credentials also to the vault.
import { z } from 'zod';

export const secretRef = z
  .union([
    z.strictObject({
      env: z.string().min(1).describe('Name of the environment variable holding the secret.'),
    }),
    z.strictObject({
      file: z.string().min(1).describe('Path of a file holding the secret (trailing newline trimmed).'),
    }),
  ])
  .describe(
    'Where a secret comes from: `{ env: NAME }` or `{ file: PATH }`. Literal secrets are not accepted.',
  );

/** A secret of an upstream credential: also `{ vault: NAME }`, read from the vault at every use (src/vault). */
export const credentialSecretRef = z
  .union([
    ...secretRef.options,
    z.strictObject({
      vault: z
        .string()
        .min(1)
        .describe(
          'Name of a secret in the vault (`rampart secrets set NAME`); a rotation applies at its next use.',
        ),
    }),
  ])
  .describe('Where a secret comes from: `{ env: NAME }`, `{ file: PATH }` or `{ vault: NAME }`.');

const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const claimPaths = z
  .strictObject({
    groups: z.string().default('groups').describe("Claim (dot path) holding the caller's groups."),
    roles: z.string().default('roles').describe("Claim (dot path) holding the caller's roles."),
    agent: z
      .string()
      .default('agent')
      .describe('Claim (dot path) naming the agent; the client id is used when it is absent.'),
    tenant: z
      .string()
      .default('tenant')
      .describe("Claim (dot path) naming the tenant; the issuer's `tenant` otherwise."),
  })
  .describe('Where principal attributes are read from in a token.');

const introspection = z
  .strictObject({
    endpoint: z.url().describe('RFC 7662 introspection endpoint of this issuer.'),
    clientId: z.string().min(1).describe("Rampart's client id at the introspection endpoint."),
    clientSecret: secretRef.describe("Rampart's client secret at the introspection endpoint."),
    maxCacheMs: z
      .number()
      .int()
      .nonnegative()
      .default(60_000)
      .describe("Upper bound for caching an introspection answer (never beyond the token's own expiry)."),
  })
  .describe('Opaque tokens of this issuer are checked by introspection.');

const issuer = z
  .strictObject({
    issuer: z.url().describe('Exact `iss` value accepted.'),
    jwksUri: z.url().optional().describe("JWKS URL; discovered from the issuer's metadata when omitted."),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGS))
      .min(1)
      .default(['RS256', 'PS256', 'ES256', 'EdDSA'])
      .describe('Signature algorithms accepted (asymmetric only: `none` and HMAC are never accepted).'),
    introspection: introspection.optional(),
    tenant: z.string().optional().describe('Tenant assigned to principals of this issuer.'),
    claims: claimPaths.default({ groups: 'groups', roles: 'roles', agent: 'agent', tenant: 'tenant' }),
  })
  .describe('One trusted token issuer (tenant).');

const bindingMode = z.enum(['none', 'dpop', 'mtls', 'any']);

export const authSchema = z
  .strictObject({
    resource: z
      .url()
      .optional()
      .describe(
        "Rampart's canonical resource URL (RFC 8707); tokens must name it in `aud`. Defaults to the listen URL.",
      ),
    authorizationServers: z
      .array(z.url())
      .optional()
      .describe(
        'Authorization servers published in the Protected Resource Metadata; defaults to the issuers.',
      ),
    issuers: z
      .array(issuer)
      .min(1)
      .refine((list) => list.filter((i) => i.introspection).length <= 1, {
        message:
          'at most one issuer may use introspection: an opaque token does not say which issuer made it, and it must not be sent to another tenant',
      })
      .describe('Trusted issuers; a token from any other issuer is refused.'),
    clockSkewSec: z.number().int().min(0).max(300).default(30).describe('Tolerance for exp, nbf and iat.'),
    scopes: z
      .strictObject({
        required: z.array(z.string()).default([]).describe('Scopes every request needs.'),
        methods: z
          .record(z.string(), z.array(z.string()))
          .default({})
          .describe('Extra scopes per MCP method.'),
        servers: z
          .record(z.string(), z.array(z.string()))
          .default({})
          .describe('Extra scopes per upstream server name.'),
        tools: z
          .record(z.string(), z.array(z.string()))
          .default({})
          .describe('Extra scopes per exposed tool name (`<server>__<tool>`).'),
        supported: z
          .array(z.string())
          .optional()
          .describe('scopes_supported published in the metadata; defaults to `required` (keep it minimal).'),
      })
      .default({ required: [], methods: {}, servers: {}, tools: {} }),
    binding: z
      .strictObject({
        require: bindingMode
          .default('none')
          .describe('Sender constraint every token must carry: `dpop`, `mtls`, `any` (either) or `none`.'),
        servers: z
          .record(z.string(), bindingMode)
          .default({})
          .describe('Stricter requirement per upstream server name.'),
      })
      .default({ require: 'none', servers: {} }),
    dpop: z
      .strictObject({
        iatWindowSec: z
          .number()
          .int()
          .positive()
          .max(600)
          .default(60)
          .describe('How old (or early) a proof may be.'),
        requireNonce: z.boolean().default(false).describe('Demand server-issued nonces (RFC 9449 §8).'),
        algorithms: z
          .array(z.enum(ASYMMETRIC_ALGS))
          .default(['ES256', 'RS256', 'PS256', 'EdDSA'])
          .describe('Proof signature algorithms accepted.'),
      })
      .default({ iatWindowSec: 60, requireNonce: false, algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'] }),
    jwksRefreshMinMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('An unknown `kid` refreshes the JWKS at most this often (rate limit).'),
  })
  .describe(
    'Client authentication: Rampart as an OAuth 2.1 resource server. Without it Rampart serves loopback only.',
  );

export const tlsSchema = z
  .strictObject({
    cert: z.string().describe('PEM certificate chain file of the listener.'),
    key: z.string().describe('PEM private key file of the listener.'),
    clientCa: z
      .string()
      .optional()
      .describe('PEM CA bundle; when set, client certificates are requested and verified.'),
    requireClientCert: z
      .boolean()
      .default(false)
      .describe('Refuse TLS connections without a valid client certificate.'),
  })
  .describe('TLS for the listener, and mTLS when `clientCa` is set.');

const staticCredential = z
  .strictObject({
    type: z.literal('static'),
    header: z.string().default('authorization').describe('Header to send.'),
    scheme: z.string().default('Bearer').describe('Prefix of the header value (empty for none).'),
    secret: credentialSecretRef,
  })
  .describe('A fixed credential from a secret reference.');

const clientSecretMethod = z
  .enum(['client_secret_basic', 'client_secret_post'])
  .describe('How the client secret is presented at the token endpoint.');

const serviceSubjectToken = credentialSecretRef.describe(
  'Subject token for requests no calling user is behind (connecting, listing); without it they carry no credential.',
);

const clientCredentials = z
  .strictObject({
    type: z.literal('client_credentials'),
    tokenEndpoint: z
      .url()
      .optional()
      .describe(
        "Token endpoint of the upstream's authorization server; discovered (RFC 9728, RFC 8414) on the upstream's first 401 when omitted.",
      ),
    clientId: z.string().min(1).describe("Rampart's client id at that authorization server."),
    clientSecret: credentialSecretRef
      .optional()
      .describe('Client secret (`client_secret_basic` or `client_secret_post`); give it or `privateKey`.'),
    privateKey: credentialSecretRef
      .optional()
      .describe('PKCS#8 PEM private key signing a `private_key_jwt` client assertion (RFC 7523).'),
    signingAlgorithm: z
      .enum(ASYMMETRIC_ALGS)
      .default('ES256')
      .describe('Signature algorithm of the client assertion (with `privateKey`).'),
    authMethod: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .optional()
      .describe(
        'Token endpoint authentication; defaults to `private_key_jwt` with a key, else `client_secret_basic`.',
      ),
    scope: z
      .string()
      .optional()
      .describe(
        "Scope requested (space-separated); otherwise the scope of the upstream's challenge, if any.",
      ),
    resource: z.url().optional().describe('RFC 8707 resource indicator; defaults to the upstream URL.'),
  })
  .refine((spec) => (spec.clientSecret === undefined) !== (spec.privateKey === undefined), {
    message: 'give exactly one of clientSecret and privateKey',
  })
  .describe("OAuth client-credentials grant (Rampart's own identity toward the upstream).");

const tokenExchange = z
  .strictObject({
    type: z.literal('token_exchange'),
    tokenEndpoint: z.url().describe('Token endpoint performing RFC 8693 token exchange.'),
    clientId: z.string().min(1).describe("Rampart's client id at that token endpoint."),
    clientSecret: credentialSecretRef,
    authMethod: clientSecretMethod.default('client_secret_basic'),
    subjectTokenType: z
      .string()
      .default('urn:ietf:params:oauth:token-type:access_token')
      .describe("Token type URI of the calling user's token."),
    requestedTokenType: z
      .string()
      .optional()
      .describe('Token type URI asked for (RFC 8693 `requested_token_type`).'),
    scope: z.string().optional().describe('Scope requested (space-separated).'),
    resource: z.url().optional().describe('RFC 8707 resource indicator; defaults to the upstream URL.'),
    audience: z.string().optional().describe('RFC 8693 `audience` (logical name of the upstream).'),
    serviceSubjectToken: serviceSubjectToken.optional(),
  })
  .describe("RFC 8693 token exchange on behalf of the calling user (the user's token is the subject token).");

const identityAssertion = z
  .strictObject({
    type: z.literal('identity_assertion'),
    idp: z
      .strictObject({
        tokenEndpoint: z
          .url()
          .describe("Token endpoint of the user's identity provider (RFC 8693 token exchange)."),
        clientId: z.string().min(1).describe("Rampart's client id at the identity provider."),
        clientSecret: credentialSecretRef
          .optional()
          .describe('Client secret at the identity provider (public client without).'),
        subjectTokenType: z
          .string()
          .default('urn:ietf:params:oauth:token-type:id_token')
          .describe("Token type URI of the calling user's token."),
      })
      .describe('The identity provider that turns the user token into an ID-JAG for the upstream.'),
    authorizationServer: z
      .url()
      .optional()
      .describe(
        "Issuer of the upstream's authorization server (the ID-JAG audience); discovered from the upstream's Protected Resource Metadata when omitted.",
      ),
    clientId: z.string().min(1).describe("Rampart's client id at the upstream's authorization server."),
    clientSecret: credentialSecretRef,
    authMethod: clientSecretMethod.default('client_secret_basic'),
    scope: z.string().optional().describe('Scope requested (space-separated).'),
    resource: z.url().optional().describe('RFC 8707 resource indicator; defaults to the upstream URL.'),
    serviceSubjectToken: serviceSubjectToken.optional(),
  })
  .describe(
    "Enterprise-managed authorization (SEP-990): the user's IdP token is exchanged for an ID-JAG, then for an upstream token (RFC 7523 JWT bearer grant).",
  );

const upstreamOauth = z
  .strictObject({
    type: z.literal('oauth'),
    clientId: z
      .string()
      .optional()
      .describe('Pre-registered client id; otherwise CIMD or dynamic registration.'),
    clientSecret: credentialSecretRef.optional(),
    authMethod: clientSecretMethod
      .optional()
      .describe(
        "How the pre-registered secret is presented; defaults to what the authorization server's metadata supports.",
      ),
    issuer: z
      .url()
      .optional()
      .describe(
        'Issuer the pre-registered client belongs to; it is never used with another authorization server.',
      ),
    clientMetadataUrl: z
      .url()
      .optional()
      .describe("HTTPS URL of Rampart's Client ID Metadata Document (CIMD)."),
    clientName: z.string().min(1).default('Rampart').describe('`client_name` sent in dynamic registration.'),
    scope: z
      .string()
      .optional()
      .describe(
        "Scope requested when the upstream's challenge names none (instead of the metadata's `scopes_supported`).",
      ),
    redirectUri: z.url().optional().describe('Where the authorization server sends the user back.'),
  })
  .describe(
    'Rampart as an OAuth client of an upstream MCP server that demands OAuth (discovery, PKCE S256, iss check).',
  );

export const upstreamCredentialSchema = z
  .discriminatedUnion('type', [
    staticCredential,
    clientCredentials,
    tokenExchange,
    identityAssertion,
    upstreamOauth,
  ])
  .describe("How Rampart authenticates to this upstream. The client's own token is never forwarded.");

export type AuthConfig = z.infer<typeof authSchema>;
export type IssuerConfig = z.infer<typeof issuer>;
export type TlsConfig = z.infer<typeof tlsSchema>;
export type SecretRef = z.infer<typeof secretRef>;
export type CredentialSecretRef = z.infer<typeof credentialSecretRef>;
export type UpstreamCredential = z.infer<typeof upstreamCredentialSchema>;
export type BindingMode = z.infer<typeof bindingMode>;
