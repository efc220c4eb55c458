// How Rampart authenticates to an upstream. The client's own token never travels upstream: a provider mints
// or looks up Rampart's credential for this upstream (a secret, a client-credentials token, an exchanged token,
// or an OAuth session with the upstream's own authorization server).

import type { TraceHeaders } from '../../monitor/traceparent.ts';

export interface CredentialContext {
  /**
   * The calling user's access token, given only to token-exchange providers (RFC 8693 subject_token); it is sent
   * to the configured token endpoint, never to the upstream.
   */
  readonly subjectToken?: string | undefined;
}

export interface CredentialProvider {
  /** Headers that authenticate one request to the upstream. */
  headers(context: CredentialContext): Promise<Record<string, string>>;
  /**
   * Called when the upstream answered 401 or 403 with its WWW-Authenticate challenge; resolves true when a retry
   * with fresh headers may succeed (token refreshed, scope stepped up), false to give up. `sent` are the
   * headers the refused request carried, so a refusal of a token that was already replaced is not acted on twice.
   */
  challenge?(
    status: number,
    wwwAuthenticate: string | undefined,
    context: CredentialContext,
    sent?: Readonly<Record<string, string>>,
  ): Promise<boolean>;
}

/** Per-message options of a transport send. */
export interface SendOptions {
  /** Extra headers for this one message (Mcp-Param-* passthrough; ignored by wires without headers). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly credential?: CredentialContext | undefined;
  /** W3C `traceparent`/`tracestate` headers for this message (HTTP wires, both eras). */
  readonly trace?: TraceHeaders | undefined;
}

/** Bounded retries after an authentication challenge, so a misbehaving server cannot loop us. */
export const MAX_AUTH_RETRIES = 2;
