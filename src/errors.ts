// The one catalogue of error codes. Tests assert on `code`, never on message text. `rpc` is the JSON-RPC
// error code sent on the wire; `http` the status used when the error is answered at the HTTP level.

export const JSONRPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Spec-defined (2026-07-28): MCP-Protocol-Version / Mcp-Method / Mcp-Name header does not match the body. */
  HEADER_MISMATCH: -32020,
  /** Spec-defined (2026-07-28): a client capability the method needs was not declared. */
  MISSING_CLIENT_CAPABILITY: -32021,
  /** Spec-defined (2026-07-28): the protocol version is not supported; `data.supported` lists ours. */
  UNSUPPORTED_PROTOCOL_VERSION: -32022,
  /**
   * Implementation-defined server errors live in -32000..-32099. The spec takes -32020..-32022 (above); Rampart uses
   * -32000, -32001..-32019 and -32030 upwards.
   */
  SERVER_ERROR: -32000,
} as const;

interface Entry {
  readonly http: number;
  readonly rpc: number;
  readonly message: string;
}

export const ERRORS = {
  RAMPART_PARSE_ERROR: {
    http: 400,
    rpc: JSONRPC.PARSE_ERROR,
    message: 'The request body is not valid JSON.',
  },
  RAMPART_INVALID_REQUEST: {
    http: 400,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'The request is not a valid JSON-RPC 2.0 message.',
  },
  RAMPART_BATCH_UNSUPPORTED: {
    http: 400,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'JSON-RPC batches are not part of MCP; send one message per request.',
  },
  RAMPART_BODY_TOO_LARGE: {
    http: 413,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'The request body is too large.',
  },
  RAMPART_JSON_TOO_DEEP: {
    http: 400,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'The request nests too deeply.',
  },
  RAMPART_INVALID_UTF8: {
    http: 400,
    rpc: JSONRPC.PARSE_ERROR,
    message: 'The request body is not valid UTF-8.',
  },
  RAMPART_UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'Content-Type must be application/json.',
  },
  RAMPART_NOT_ACCEPTABLE: {
    http: 406,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'Accept must list application/json and text/event-stream.',
  },
  RAMPART_HOST_FORBIDDEN: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The Host header is not allowed.',
  },
  RAMPART_ORIGIN_FORBIDDEN: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The Origin header is not allowed.',
  },
  RAMPART_METHOD_NOT_ALLOWED: {
    http: 405,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'HTTP method not allowed here.',
  },
  RAMPART_SESSION_REQUIRED: {
    http: 400,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'Mcp-Session-Id header is required; send initialize first.',
  },
  RAMPART_SESSION_NOT_FOUND: {
    http: 404,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'Session not found or terminated; initialize a new one.',
  },
  RAMPART_SESSION_LIMIT: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'Too many open sessions; try later.',
  },
  RAMPART_NOT_INITIALIZED: {
    http: 400,
    rpc: JSONRPC.INVALID_REQUEST,
    message: 'The session has not completed initialize.',
  },
  RAMPART_UNSUPPORTED_PROTOCOL_VERSION: {
    http: 400,
    rpc: JSONRPC.UNSUPPORTED_PROTOCOL_VERSION,
    message: 'Unsupported protocol version.',
  },
  RAMPART_HEADER_MISMATCH: {
    http: 400,
    rpc: JSONRPC.HEADER_MISMATCH,
    message: 'A required MCP header is missing or does not match the request body.',
  },
  RAMPART_MISSING_CLIENT_CAPABILITY: {
    http: 400,
    rpc: JSONRPC.MISSING_CLIENT_CAPABILITY,
    message: 'The client did not declare a capability this request needs.',
  },
  RAMPART_METHOD_NOT_FOUND: { http: 404, rpc: JSONRPC.METHOD_NOT_FOUND, message: 'Method not found.' },
  RAMPART_INVALID_PARAMS: { http: 400, rpc: JSONRPC.INVALID_PARAMS, message: 'Invalid params.' },
  RAMPART_UNKNOWN_TOOL: { http: 400, rpc: JSONRPC.INVALID_PARAMS, message: 'Unknown tool.' },
  RAMPART_UNKNOWN_PROMPT: { http: 400, rpc: JSONRPC.INVALID_PARAMS, message: 'Unknown prompt.' },
  RAMPART_UNKNOWN_RESOURCE: { http: 400, rpc: JSONRPC.INVALID_PARAMS, message: 'Unknown resource.' },
  RAMPART_INVALID_CURSOR: { http: 400, rpc: JSONRPC.INVALID_PARAMS, message: 'Invalid pagination cursor.' },
  RAMPART_INVALID_REQUEST_STATE: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: 'requestState is invalid, expired or was issued to someone else.',
  },
  RAMPART_UPSTREAM_UNAVAILABLE: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 1,
    message: 'The upstream server is unavailable.',
  },
  RAMPART_SANDBOX_UNAVAILABLE: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 45,
    message: 'The upstream server must run sandboxed, and the sandbox cannot be set up here.',
  },
  RAMPART_EGRESS_REFUSED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 46,
    message: "A sandboxed server's outbound connection was refused by its egress allowlist.",
  },
  RAMPART_UPSTREAM_TIMEOUT: {
    http: 504,
    rpc: JSONRPC.SERVER_ERROR - 2,
    message: 'The upstream server timed out.',
  },
  RAMPART_UPSTREAM_CRASHED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 3,
    message: 'The upstream server exited while handling the request.',
  },
  RAMPART_UPSTREAM_PROTOCOL: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 4,
    message: 'The upstream server broke the protocol.',
  },
  RAMPART_SHUTTING_DOWN: { http: 503, rpc: JSONRPC.SERVER_ERROR - 5, message: 'Rampart is shutting down.' },
  RAMPART_CANCELLED: { http: 499, rpc: JSONRPC.SERVER_ERROR - 6, message: 'The request was cancelled.' },
  RAMPART_AMBIGUOUS_SERVER_REQUEST: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 7,
    message: 'A server-to-client request could not be attributed to exactly one client request.',
  },
  // The upstream could not prove who it is: TLS key not pinned, certificate not verified, or plain http off
  // loopback. `data.reason` says which (stable words); the key seen goes to the operator's log only.
  RAMPART_UPSTREAM_IDENTITY: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 9,
    message: "The upstream server's identity could not be verified.",
  },
  RAMPART_INTERNAL: { http: 500, rpc: JSONRPC.INTERNAL_ERROR, message: 'Internal error.' },
  // Authentication (401 unless noted). Each refusal reason has its own code so operators and tests can tell them
  // apart; the message stays generic enough to be safe to show to the caller.
  RAMPART_TOKEN_MISSING: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'An access token is required.',
  },
  RAMPART_TOKEN_MALFORMED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token is malformed.',
  },
  RAMPART_TOKEN_EXPIRED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token has expired.',
  },
  RAMPART_TOKEN_NOT_YET_VALID: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token is not valid yet.',
  },
  RAMPART_TOKEN_WRONG_AUDIENCE: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token was not issued for this resource.',
  },
  RAMPART_TOKEN_WRONG_ISSUER: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token comes from an issuer that is not trusted.',
  },
  RAMPART_TOKEN_ALG_NOT_ALLOWED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token uses a signature algorithm that is not allowed.',
  },
  RAMPART_TOKEN_UNKNOWN_KEY: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token is signed with an unknown key.',
  },
  RAMPART_TOKEN_BAD_SIGNATURE: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token signature is invalid.',
  },
  RAMPART_TOKEN_INACTIVE: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token is not active.',
  },
  RAMPART_TOKEN_REVOKED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: 'The access token was revoked.',
  },
  RAMPART_SUBJECT_DISABLED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 10,
    message: "The caller's account is disabled.",
  },
  RAMPART_INSUFFICIENT_SCOPE: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 11,
    message: 'The access token lacks a scope this request needs.',
  },
  RAMPART_BINDING_REQUIRED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'A sender-constrained token (DPoP or mTLS) is required.',
  },
  RAMPART_DPOP_REQUIRED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'A DPoP-bound token and proof are required.',
  },
  RAMPART_DPOP_INVALID: { http: 401, rpc: JSONRPC.SERVER_ERROR - 12, message: 'The DPoP proof is invalid.' },
  RAMPART_DPOP_REPLAYED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'The DPoP proof was already used.',
  },
  RAMPART_DPOP_WRONG_TARGET: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'The DPoP proof was made for another method or URL.',
  },
  RAMPART_DPOP_KEY_MISMATCH: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'The DPoP key does not match the key the token is bound to.',
  },
  RAMPART_DPOP_NONCE_REQUIRED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'Use the DPoP-Nonce the server provided.',
  },
  RAMPART_MTLS_REQUIRED: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'A certificate-bound token needs the client certificate it is bound to.',
  },
  RAMPART_MTLS_CERT_MISMATCH: {
    http: 401,
    rpc: JSONRPC.SERVER_ERROR - 12,
    message: 'The client certificate is not the one the token is bound to.',
  },
  RAMPART_AUDIT_UNAVAILABLE: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR - 16,
    message: 'The audit log cannot record this request, so it was not completed.',
  },
  RAMPART_AUTH_UNAVAILABLE: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR - 13,
    message: 'The token could not be checked right now.',
  },
  // Outbound: Rampart's own credential toward an upstream. `data.reason` says which step failed (stable words).
  RAMPART_UPSTREAM_AUTH_FAILED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 14,
    message: 'Rampart could not authenticate to the upstream server.',
  },
  // Tool integrity (src/integrity). `data.change` names the pending or rejected change (`rampart tools diff ID`).
  RAMPART_QUARANTINED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 32,
    message: 'This definition changed since it was approved and awaits review.',
  },
  RAMPART_DEFINITION_REJECTED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 33,
    message: 'An operator rejected this definition; it stays blocked while the server serves it.',
  },
  RAMPART_SERVER_QUARANTINED: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR - 34,
    message: "The server's identity changed and awaits review; its tools are unavailable.",
  },
  // Threat detection (src/detect, src/guards/output-guard.ts). `data.rules` names what fired.
  RAMPART_OUTPUT_BLOCKED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 35,
    message: 'The result carried instructions aimed at the agent and was withheld.',
  },
  // Argument validation (src/validate). `data.path` is the failing JSON pointer, `data.keyword` the schema keyword.
  RAMPART_ARGUMENT_INVALID: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: "The tool call's arguments do not match the tool's input schema.",
  },
  RAMPART_ARGUMENT_LIMIT: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: "The tool call's arguments are too large or nest too deeply.",
  },
  RAMPART_TOOL_SCHEMA_INVALID: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 40,
    message: "The tool's input schema is invalid; calls to it are refused until its server fixes it.",
  },
  // Answered only by the admin API and the CLI.
  RAMPART_PIN_CHANGE_NOT_FOUND: {
    http: 404,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'No such definition change.',
  },
  RAMPART_PIN_CHANGE_DECIDED: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The change was already decided.',
  },
  RAMPART_PIN_DUPLICATE_APPROVER: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'This change needs another approver: the same person cannot approve it twice.',
  },
  // Authorization. `data.policies` names the policies that decided and `data.reason` is safe to show.
  RAMPART_POLICY_DENIED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 30,
    message: 'A policy does not allow this request.',
  },
  RAMPART_APPROVAL_DENIED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 18,
    message: 'An approver denied this call.',
  },
  RAMPART_APPROVAL_TIMEOUT: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 19,
    message: 'No approver decided in time; the call was not made.',
  },
  RAMPART_APPROVAL_UNAVAILABLE: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR - 31,
    message: 'This call needs approval, but no approval channel is available.',
  },
  // Answered only by the admin API (src/admin), never on the MCP wire; hence the generic JSON-RPC code.
  RAMPART_APPROVAL_NOT_FOUND: { http: 404, rpc: JSONRPC.SERVER_ERROR, message: 'No such approval request.' },
  RAMPART_APPROVAL_DECIDED: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The approval request was already decided or cancelled.',
  },
  RAMPART_APPROVAL_EXPIRED: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The approval request has expired.',
  },
  RAMPART_SELF_APPROVAL: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'This call needs an approver other than the caller who made it.',
  },
  RAMPART_ARGUMENT_TYPE: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: "An argument does not have the type the tool's input schema declares.",
  },
  // Argument guards (src/arguments). `data.parameter` names the refused parameter.
  RAMPART_ARGUMENT_PATH: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: 'A path argument escapes its allowed roots or names a sensitive file.',
  },
  RAMPART_ARGUMENT_URL: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: 'A URL argument uses a scheme, host or address that is not allowed.',
  },
  RAMPART_ARGUMENT_SHELL: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: 'A command argument carries shell metacharacters or an option.',
  },
  RAMPART_ARGUMENT_SQL: {
    http: 400,
    rpc: JSONRPC.INVALID_PARAMS,
    message: 'A SQL argument holds a statement of a kind that is not allowed.',
  },
  RAMPART_SSRF_BLOCKED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 15,
    message: 'A URL the upstream pointed Rampart to is not allowed (scheme, address or redirect).',
  },
  // Rate limits. `data.rule` names the rule, `data.retryAfterSeconds` when to try again (HTTP Retry-After too).
  RAMPART_RATE_LIMITED: {
    http: 429,
    rpc: JSONRPC.SERVER_ERROR - 17,
    message: 'Too many requests; try again later.',
  },
  // Change control (src/changes): answered to the operator by `rampart config` and at start, never on the MCP wire.
  RAMPART_CHANGE_UNKNOWN_VERSION: {
    http: 404,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'No such configuration version.',
  },
  RAMPART_CHANGE_SELF_APPROVAL: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'A configuration version must be approved by someone other than its author.',
  },
  RAMPART_CHANGE_ALREADY_APPROVED: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'This approver already approved the configuration version.',
  },
  RAMPART_CHANGE_WRONG_STATUS: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The configuration version is not in a state that allows this.',
  },
  RAMPART_CHANGE_UNAPPROVED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The two-person rule is on and this configuration is not an approved version.',
  },
  RAMPART_CHANGE_FILE_UNREADABLE: {
    http: 400,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'A configuration or policy file cannot be read.',
  },
  RAMPART_CHANGE_FILES_CHANGED: {
    http: 409,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The configuration file changed while Rampart was starting; start again.',
  },
  RAMPART_CHANGE_CORRUPT: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'A stored configuration version does not match its digest.',
  },
  // Signed tool manifests (src/integrity/manifest). Only RAMPART_SERVER_MANIFEST_MISMATCH reaches MCP clients; the
  // others are reported to the operator when a server's manifest is loaded (and by `rampart manifest verify`).
  RAMPART_SERVER_MANIFEST_MISMATCH: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR - 8,
    message: 'The server is blocked: what it serves differs from its signed manifest.',
  },
  RAMPART_MANIFEST_UNREADABLE: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'A manifest, signature, bundle, key or trusted root file cannot be read.',
  },
  RAMPART_MANIFEST_INVALID: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The manifest is not a valid Rampart manifest.',
  },
  RAMPART_MANIFEST_KEY_INVALID: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'A publisher key or Sigstore trusted root is unusable (wrong key type or malformed).',
  },
  RAMPART_MANIFEST_BUNDLE_INVALID: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The Sigstore bundle is malformed or of an unsupported kind.',
  },
  RAMPART_MANIFEST_SIGNATURE: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The manifest signature does not verify (tampered manifest, wrong key or forged log entry).',
  },
  RAMPART_MANIFEST_UNTRUSTED_CA: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The signing certificate does not chain to a certificate authority in the trusted root.',
  },
  RAMPART_MANIFEST_CERT_EXPIRED: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The manifest was signed outside the validity period of its signing certificate.',
  },
  RAMPART_MANIFEST_UNTRUSTED_IDENTITY: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The manifest was signed by an identity (OIDC issuer and subject) that is not trusted.',
  },
  RAMPART_MANIFEST_EXPIRED: { http: 500, rpc: JSONRPC.SERVER_ERROR, message: 'The manifest has expired.' },
  RAMPART_MANIFEST_NOT_YET_VALID: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The manifest is issued in the future.',
  },
  // npm packages of `package` servers (src/integrity/provenance): reported to the operator (log, `rampart server
  // add`); a server whose package fails stays down, so MCP clients see RAMPART_UPSTREAM_UNAVAILABLE instead.
  RAMPART_PACKAGE_SPEC: {
    http: 400,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'Only an exact registry version can be pinned: npm:<name>@<version>.',
  },
  RAMPART_PACKAGE_REGISTRY_REFUSED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The URL is not on an allowed registry (scheme, origin or redirect).',
  },
  RAMPART_PACKAGE_FETCH_FAILED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The registry could not be reached or answered with an error.',
  },
  RAMPART_PACKAGE_NOT_FOUND: {
    http: 404,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The registry has no such package version.',
  },
  RAMPART_PACKAGE_INTEGRITY: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The package tarball does not match its integrity pin.',
  },
  RAMPART_PACKAGE_SIGNATURE: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: "The package's registry signature is invalid or made with an unknown or expired key.",
  },
  RAMPART_PACKAGE_PROVENANCE: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: "The package's provenance attestation failed verification.",
  },
  RAMPART_PACKAGE_PROVENANCE_REQUIRED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'Provenance is required, and the package has none.',
  },
  RAMPART_PACKAGE_UNSAFE_ARCHIVE: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message:
      'The package tarball holds an entry that may not be unpacked (absolute path, "..", link or device).',
  },
  RAMPART_PACKAGE_BIN: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The package has no such bin, or it is ambiguous which bin to run.',
  },
  RAMPART_PACKAGE_INSTALL_FAILED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: "The package's dependencies could not be installed.",
  },
  RAMPART_PACKAGE_CACHE_TAMPERED: {
    http: 502,
    rpc: JSONRPC.SERVER_ERROR,
    message: 'The cached package tree no longer matches what was verified.',
  },
  RAMPART_PACKAGE_NOT_READY: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR,
    message: "The server's package has not been verified (or failed verification).",
  },
  // The credential vault (src/vault): -32050..-32054.
  RAMPART_CANARY_DETECTED: {
    http: 403,
    rpc: JSONRPC.SERVER_ERROR - 50,
    message: 'The call was blocked: it carried a value that must never leave Rampart.',
  },
  RAMPART_VAULT_LOCKED: {
    http: 503,
    rpc: JSONRPC.SERVER_ERROR - 51,
    message:
      'The vault cannot be opened: its master key is missing or is not the key its secrets are wrapped with.',
  },
  RAMPART_VAULT_SECRET_UNKNOWN: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR - 52,
    message: 'The configuration refers to a vault secret that does not exist.',
  },
  RAMPART_VAULT_TAMPERED: {
    http: 500,
    rpc: JSONRPC.SERVER_ERROR - 53,
    message: 'A vault record failed authentication: it was altered or belongs to another name or version.',
  },
  RAMPART_VAULT_SECRET_INVALID: {
    http: 400,
    rpc: JSONRPC.SERVER_ERROR - 54,
    message: 'The secret name or value is not acceptable.',
  },
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof ERRORS;

/** An error that crosses the wire: it renders to HTTP or JSON-RPC from the catalogue, never with a stack. */
export class RampartError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, detail?: string, data?: Record<string, unknown>) {
    super(detail ?? ERRORS[code].message);
    this.name = 'RampartError';
    this.code = code;
    this.data = data;
  }
  get http(): number {
    return ERRORS[this.code].http;
  }
  get rpc(): number {
    return ERRORS[this.code].rpc;
  }
  /** The JSON-RPC error object: the stable code travels in `data.code`. */
  toJsonRpc(): { code: number; message: string; data: Record<string, unknown> } {
    return { code: this.rpc, message: this.message, data: { ...this.data, code: this.code } };
  }
}

/** Turns anything thrown into a RampartError without leaking internals (stack, paths) to a client. */
export function toRampartError(err: unknown): RampartError {
  if (err instanceof RampartError) return err;
  return new RampartError('RAMPART_INTERNAL');
}
