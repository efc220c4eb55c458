// The audit event: one per decision, attributed to a principal, with the call's arguments and result kept only
// as far as the data-minimisation mode allows. The event's canonical JSON (RFC 8785) is what the chain hashes.
//
// Because the chain hashes the event, nothing inside it can ever be removed. Kept payloads (`full`, `redacted`)
// therefore live outside it: the event holds a keyed commitment `{key, mac}`, and the ciphertext, encrypted under
// the subject's key, goes to a side table in the same transaction (privacy/). Erasing the key or purging the row
// leaves every hash intact.
import type { RequestEvent } from '../guards/pipeline.ts';
import { canonicalJson, canonicalJsonLenient, canonicalString, sha256Hex } from './canonical.ts';
import { eventId } from './event-id.ts';
import type { PayloadField, StoredPayload, StoredSubjectKey } from './store.ts';

export const AUDIT_DECISIONS = [
  'allowed',
  'denied',
  'errored',
  'approved',
  'config_changed',
  'pin_changed',
  'alert_raised',
  /** A subject's payload keys were destroyed (GDPR art. 17); detail {subjectRef, keys, payloads, reason}. */
  'subject_erased',
] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/**
 * `full` keeps payloads, `redacted` keeps what the redaction function returns (both encrypted, erasable),
 * `digest` keeps a SHA-256 only.
 */
export const PAYLOAD_MODES = ['full', 'redacted', 'digest'] as const;
export type PayloadMode = (typeof PAYLOAD_MODES)[number];

export interface AuditPrincipal {
  readonly issuer: string;
  readonly subject: string;
  readonly client: string | null;
  readonly agent: string | null;
}

/** A detector's finding as recorded (detectors own the rule ids; the message must never quote a secret). */
export interface AuditFinding {
  readonly ruleId: string;
  readonly severity?: string;
  readonly message?: string;
  readonly location?: string;
}

/**
 * What the event keeps of a kept payload: the id of the subject key it is encrypted under, and HMAC-SHA256 under
 * that key's MAC key of the payload's canonical JSON (hex), which `rampart audit show` checks the decryption
 * against.
 */
export interface SealedCommitment {
  readonly key: string;
  readonly mac: string;
}

/**
 * A payload as the event records it. `lossy` marks a value that held lone UTF-16 surrogates (possible after
 * JSON.parse, not representable in RFC 8785), which were replaced by U+FFFD before canonicalisation.
 */
export type AuditPayload =
  | { readonly mode: 'full' | 'redacted'; readonly sealed: SealedCommitment; readonly lossy?: true }
  | { readonly mode: 'digest'; readonly sha256: string; readonly lossy?: true };

export interface AuditEvent {
  readonly v: 1;
  /** UUIDv7; what `rampart audit proof ID` takes. */
  readonly id: string;
  readonly time: string;
  readonly decision: AuditDecision;
  readonly principal: AuditPrincipal | null;
  readonly session: string | null;
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly server: string | null;
  readonly method: string | null;
  readonly name: string | null;
  /** The stable error code of a denied or errored call. */
  readonly code: string | null;
  readonly ruleIds: readonly string[];
  readonly findings: readonly AuditFinding[];
  /** Milliseconds per pipeline phase, rounded to the microsecond. */
  readonly timings: Readonly<Record<string, number>>;
  readonly arguments: AuditPayload | null;
  readonly result: AuditPayload | null;
  /** What changed, for config_changed, pin_changed, approved and alert_raised events. */
  readonly detail: Readonly<Record<string, unknown>> | null;
}

/** What a caller hands to `AuditLog.append`: raw payloads; the log applies its data-minimisation mode. */
export interface AuditEventInput {
  readonly decision: AuditDecision;
  /** Accepts the runtime's `Principal` and `RequestEvent['principal']` as they are. */
  readonly principal?:
    | {
        readonly issuer: string;
        readonly subject: string;
        readonly clientId?: string | undefined;
        readonly agent?: string | undefined;
      }
    | undefined;
  readonly sessionId?: string | undefined;
  readonly requestId?: string | undefined;
  readonly traceId?: string | undefined;
  readonly server?: string | undefined;
  readonly method?: string | undefined;
  readonly name?: string | undefined;
  readonly code?: string | undefined;
  readonly ruleIds?: readonly string[] | undefined;
  readonly findings?: readonly AuditFinding[] | undefined;
  readonly timings?: Readonly<Record<string, number | undefined>> | undefined;
  readonly arguments?: unknown;
  readonly result?: unknown;
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/** Applied in `redacted` mode; the detectors' redaction plugs in here (the runtime uses baseline-redactor.ts). */
export type Redactor = (value: unknown, field: 'arguments' | 'result') => unknown;

/** A ciphertext to store with the event, and the key it needs (stored too if the store does not have it yet). */
export interface SealedPayload {
  readonly payload: StoredPayload;
  readonly key: StoredSubjectKey;
}

/** Encrypts kept payloads under their subject's key (privacy/keyring.ts). */
export interface PayloadSealer {
  seal(
    principal: AuditPrincipal | null,
    eventId: string,
    field: PayloadField,
    plaintext: string,
    timeMs: number,
  ): { readonly commitment: SealedCommitment; readonly sealed: SealedPayload };
}

export interface EventOptions {
  readonly mode: PayloadMode;
  readonly redact?: Redactor | undefined;
  /** Needed in `full` and `redacted` modes. */
  readonly sealer?: PayloadSealer | undefined;
  /** Wall clock in ms since the epoch (injected so tests can freeze it). */
  readonly now: () => number;
}

export interface BuiltEvent {
  readonly event: AuditEvent;
  /** RFC 8785 canonical JSON of `event`: computed once, hashed by the chain and stored verbatim. */
  readonly json: string;
  /** Ciphertexts to store beside the entry (none in digest mode). */
  readonly sealed: readonly SealedPayload[];
}

const identity: Redactor = (value) => value;
const NONE: readonly SealedPayload[] = Object.freeze([]);

/** Builds the stored event from an input under a payload mode. */
export function buildAuditEvent(input: AuditEventInput, options: EventOptions): BuiltEvent {
  const timeMs = options.now();
  const p = input.principal;
  const id = eventId(timeMs);
  const principal: AuditPrincipal | null = p
    ? { issuer: p.issuer, subject: p.subject, client: p.clientId ?? null, agent: p.agent ?? null }
    : null;
  let sealed = NONE;
  const keep = (value: unknown, field: PayloadField): AuditPayload | null => {
    if (value === undefined) return null;
    if (options.mode === 'digest') return digest(value);
    const s = seal(value, field, options, principal, id, timeMs);
    if (sealed === NONE) sealed = [];
    (sealed as SealedPayload[]).push(s.sealed);
    return s.payload;
  };
  const event: AuditEvent = {
    v: 1,
    id,
    time: new Date(timeMs).toISOString(),
    decision: input.decision,
    principal,
    session: input.sessionId ?? null,
    requestId: input.requestId ?? null,
    traceId: input.traceId ?? null,
    server: input.server ?? null,
    method: input.method ?? null,
    name: input.name ?? null,
    code: input.code ?? null,
    ruleIds: input.ruleIds ?? [],
    findings: input.findings ?? [],
    timings: roundTimings(input.timings),
    arguments: keep(input.arguments, 'arguments'),
    result: keep(input.result, 'result'),
    detail: input.detail ?? null,
  };
  let json: string;
  try {
    json = eventJson(event);
  } catch {
    // A lone surrogate somewhere in a name or finding: keep the record, with U+FFFD in its place.
    json = canonicalJsonLenient(event).text;
  }
  return { event, json, sealed };
}

/**
 * RFC 8785 form of an event, written field by field in sorted key order: the top level has a fixed shape, so
 * only the nested values need the generic walk (the tests check this against the reference canonicaliser).
 */
export function eventJson(e: AuditEvent): string {
  return (
    `{"arguments":${nested(e.arguments)},"code":${str(e.code)},"decision":${str(e.decision)}` +
    `,"detail":${nested(e.detail)},"findings":${canonicalJson(e.findings)},"id":${str(e.id)}` +
    `,"method":${str(e.method)},"name":${str(e.name)},"principal":${principalJson(e.principal)}` +
    `,"requestId":${str(e.requestId)},"result":${nested(e.result)},"ruleIds":${canonicalJson(e.ruleIds)}` +
    `,"server":${str(e.server)},"session":${str(e.session)},"time":${str(e.time)}` +
    `,"timings":${canonicalJson(e.timings)},"traceId":${str(e.traceId)},"v":${e.v}}`
  );
}

function str(value: string | null): string {
  return value === null ? 'null' : canonicalString(value);
}

function nested(value: unknown): string {
  return value === null ? 'null' : canonicalJson(value);
}

function principalJson(p: AuditPrincipal | null): string {
  if (p === null) return 'null';
  return `{"agent":${str(p.agent)},"client":${str(p.client)},"issuer":${str(p.issuer)},"subject":${str(p.subject)}}`;
}

function digest(value: unknown): AuditPayload {
  // The digest is over the canonical form so that anyone holding the original payload can check it.
  const { text, lossy } = canonicalJsonLenient(value);
  return lossy
    ? { mode: 'digest', sha256: sha256Hex(text), lossy }
    : { mode: 'digest', sha256: sha256Hex(text) };
}

function seal(
  raw: unknown,
  field: PayloadField,
  options: EventOptions,
  principal: AuditPrincipal | null,
  id: string,
  timeMs: number,
): { payload: AuditPayload; sealed: SealedPayload } {
  const mode = options.mode as 'full' | 'redacted';
  if (!options.sealer) throw new TypeError(`payload mode ${mode} needs a payload sealer`);
  const value = mode === 'full' ? raw : (options.redact ?? identity)(raw, field);
  const { text, lossy } = canonicalJsonLenient(value === undefined ? null : value);
  const { commitment, sealed } = options.sealer.seal(principal, id, field, text, timeMs);
  return { payload: lossy ? { mode, sealed: commitment, lossy } : { mode, sealed: commitment }, sealed };
}

function roundTimings(timings: AuditEventInput['timings']): Record<string, number> {
  const out: Record<string, number> = {};
  if (!timings) return out;
  for (const key in timings) {
    const ms = timings[key];
    // Sub-microsecond digits are noise and would cost bytes in every record.
    if (ms !== undefined && Number.isFinite(ms)) out[key] = Math.round(ms * 1000) / 1000;
  }
  return out;
}

/** Maps the pipeline's per-request event to an audit input; the caller adds what the pipeline does not know. */
export function fromRequestEvent(
  event: RequestEvent,
  extra: {
    traceId?: string | undefined;
    arguments?: unknown;
    result?: unknown;
    findings?: readonly AuditFinding[] | undefined;
  } = {},
): AuditEventInput {
  return {
    decision: event.decision,
    principal: event.principal,
    sessionId: event.sessionId,
    requestId: event.requestId,
    traceId: extra.traceId,
    server: event.server,
    method: event.method,
    name: event.name,
    code: event.code,
    ruleIds: event.ruleIds,
    findings: extra.findings,
    timings: event.timings,
    arguments: extra.arguments,
    result: extra.result,
    detail:
      event.policy || event.flow
        ? { ...(event.policy ? { policy: event.policy } : {}), ...(event.flow ? { flow: event.flow } : {}) }
        : undefined,
  };
}
