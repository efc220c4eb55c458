// Where the OAuth provider keeps what it obtained: client registrations keyed by the authorization server's
// issuer (a client id is only valid at the server that issued it, and is never reused with another), and
// tokens keyed by issuer and resource. In memory for now; a persistent store implements the same interface.

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

export interface ClientRegistration {
  readonly issuer: string;
  readonly clientId: string;
  /** Issued by dynamic registration (pre-registered secrets stay in their secret reference). */
  readonly clientSecret?: string | undefined;
  readonly authMethod: ClientAuthMethod;
  readonly source: 'preregistered' | 'cimd' | 'dcr';
}

export interface TokenSet {
  readonly issuer: string;
  readonly resource: string;
  readonly tokenEndpoint: string;
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  /** Epoch ms after which the access token is not used any more (undefined: until the upstream refuses it). */
  readonly refreshAt: number | undefined;
  /** Scopes asked for, and granted (equal to the asked ones when the server did not say). */
  readonly requestedScopes: readonly string[];
  readonly grantedScopes: readonly string[];
}

export interface CredentialStore {
  getClient(issuer: string): ClientRegistration | undefined;
  setClient(registration: ClientRegistration): void;
  deleteClient(issuer: string): void;
  getTokens(issuer: string, resource: string): TokenSet | undefined;
  setTokens(tokens: TokenSet): void;
  deleteTokens(issuer: string, resource: string): void;
}

export class MemoryCredentialStore implements CredentialStore {
  private readonly clients = new Map<string, ClientRegistration>();
  private readonly tokens = new Map<string, TokenSet>();

  getClient(issuer: string): ClientRegistration | undefined {
    return this.clients.get(issuer);
  }
  setClient(registration: ClientRegistration): void {
    this.clients.set(registration.issuer, registration);
  }
  deleteClient(issuer: string): void {
    this.clients.delete(issuer);
  }
  getTokens(issuer: string, resource: string): TokenSet | undefined {
    return this.tokens.get(key(issuer, resource));
  }
  setTokens(tokens: TokenSet): void {
    this.tokens.set(key(tokens.issuer, tokens.resource), tokens);
  }
  deleteTokens(issuer: string, resource: string): void {
    this.tokens.delete(key(issuer, resource));
  }
}

// Neither an issuer nor a resource URL can contain a newline.
const key = (issuer: string, resource: string) => `${issuer}\n${resource}`;
