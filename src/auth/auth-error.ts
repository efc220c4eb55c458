// A refusal by the authenticator: the stable code plus what the HTTP answer needs (the scope to ask for, a new
// DPoP nonce). Rendered by the ingress as 401/403 with a WWW-Authenticate challenge.
import { type ErrorCode, RampartError } from '../errors.ts';

export class AuthError extends RampartError {
  /** Scopes the caller should request (insufficient_scope step-up). */
  readonly scope: readonly string[] | undefined;
  /** A fresh DPoP nonce to hand out with the answer. */
  readonly dpopNonce: string | undefined;

  constructor(
    code: ErrorCode,
    options: { detail?: string; scope?: readonly string[]; dpopNonce?: string } = {},
  ) {
    super(code, options.detail);
    this.scope = options.scope;
    this.dpopNonce = options.dpopNonce;
  }
}
