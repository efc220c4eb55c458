// What the runtime tells the anomaly detector about each finished request. Sizes and names only: the detector
// never sees arguments or results, so nothing it keeps or raises can quote a payload.

/** The structured caller, as on the request event; kept so alerts become audit events with a real principal. */
export interface PrincipalRef {
  readonly issuer: string;
  readonly subject: string;
  readonly clientId?: string | undefined;
  readonly agent?: string | undefined;
}

export interface CallObservation {
  /** Wall clock in ms since the epoch, injected (tests freeze it). */
  readonly timeMs: number;
  /** `issuer|subject`; undefined without authentication. */
  readonly principal: string | undefined;
  /** Prefer this over splitting `principal` (a subject may itself contain `|`). */
  readonly principalRef?: PrincipalRef | undefined;
  /** Client id or agent name. */
  readonly agent: string | undefined;
  readonly sessionId: string | undefined;
  readonly server: string | undefined;
  readonly method: string;
  /** Tool, prompt or resource name as recorded on the request event. */
  readonly name: string | undefined;
  readonly decision: 'allowed' | 'denied' | 'errored';
  /** Size of the arguments sent upstream. */
  readonly bytesIn: number;
  /** Size of the result returned to the agent: the data leaving the servers. */
  readonly bytesOut: number;
  /** The tool's annotations from the upstream's catalog (hints, not guarantees). */
  readonly annotations?:
    | {
        readonly readOnlyHint?: boolean | undefined;
        readonly destructiveHint?: boolean | undefined;
        readonly openWorldHint?: boolean | undefined;
      }
    | undefined;
}

/** Stands for the caller when there is no authentication (one local user: all sessions share a baseline). */
export const ANONYMOUS = 'anonymous';

const MAX_KEY_PART = 200;

/**
 * A bounded form of a caller-influenced string (agent names come from the client) for use in map keys: long
 * values keep a prefix and a hash-like suffix so two long names rarely merge and no key grows without limit.
 */
export function keyPart(value: string): string {
  if (value.length <= MAX_KEY_PART) return value;
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193) >>> 0;
  return `${value.slice(0, MAX_KEY_PART - 12)}…${h.toString(16).padStart(8, '0')}`;
}

/**
 * The baseline a call belongs to: principal and agent. Without authentication the principal is `anonymous`
 * rather than the session: sessions are short-lived, and a baseline per session would never leave learning.
 */
export function subjectKey(obs: CallObservation): string {
  return `${keyPart(obs.principal ?? ANONYMOUS)}\u0000${keyPart(obs.agent ?? '')}`;
}

/** The sequence a call belongs to for `risky_sequence`: its session, else its principal+agent. */
export function sequenceKey(obs: CallObservation): string {
  return obs.sessionId === undefined
    ? `subject\u0000${subjectKey(obs)}`
    : `session\u0000${keyPart(obs.sessionId)}`;
}
