// The user-agent seam of the authorization code flow. A provider hands an Authorizer the authorization URL and
// waits for what arrives on the redirect URI. `rampart serve` uses the CallbackAuthorizer below: it logs the
// URL for an operator to open and resolves when the HTTP callback route passes the redirect's query to
// `complete()`. Tests and the conformance harness inject their own (e.g. fetch the URL, read the redirect).
import type { Logger } from '../../monitor/logger.ts';
import { authFailed } from './auth-error.ts';
import { type AuthorizationResponse, parseCallback } from './authorization.ts';

export interface AuthorizationPrompt {
  /** The full authorization URL (https, or http for a loopback upstream) to open in a user agent. */
  readonly url: string;
  readonly state: string;
  readonly redirectUri: string;
  /** The upstream the authorization is for, and the issuer asked, to show to the user. */
  readonly upstream: string;
  readonly issuer: string;
}

export interface Authorizer {
  /** The redirect URI used when the credential config names none. */
  readonly redirectUri?: string | undefined;
  authorize(prompt: AuthorizationPrompt): Promise<AuthorizationResponse>;
}

const DEFAULT_WAIT_MS = 10 * 60_000;

interface Pending {
  resolve(response: AuthorizationResponse): void;
  timer: NodeJS.Timeout;
}

/** Waits for the redirect to reach Rampart's own callback route; one pending entry per state, single use. */
export class CallbackAuthorizer implements Authorizer {
  readonly redirectUri: string;
  private readonly pending = new Map<string, Pending>();
  private readonly log: Logger | undefined;
  private readonly waitMs: number;

  constructor(redirectUri: string, options: { log?: Logger; waitMs?: number } = {}) {
    this.redirectUri = redirectUri;
    this.log = options.log;
    this.waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  }

  authorize(prompt: AuthorizationPrompt): Promise<AuthorizationResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(prompt.state);
        reject(authFailed('authorization_denied', 'nobody completed the authorization in time'));
      }, this.waitMs);
      timer.unref();
      this.pending.set(prompt.state, { resolve, timer });
      // The URL carries no secret (the PKCE verifier never leaves Rampart); it must reach a human.
      this.log?.warn('upstream authorization needed: open this URL', {
        upstream: prompt.upstream,
        issuer: prompt.issuer,
        url: prompt.url,
      });
    });
  }

  /**
   * Handles a request that reached the redirect URI. True when it matched a pending authorization (the state
   * is then used up), false for an unknown or replayed state.
   */
  complete(callback: string | URLSearchParams): boolean {
    const response = parseCallback(callback);
    const entry = response.state === undefined ? undefined : this.pending.get(response.state);
    if (!entry || response.state === undefined) return false;
    this.pending.delete(response.state);
    clearTimeout(entry.timer);
    entry.resolve(response);
    return true;
  }
}
