// The vault's two guards. Request phase: a call whose params carry a canary token is blocked before it reaches an
// upstream (RAMPART_CANARY_DETECTED). Response phase: a result carrying a canary is withheld the same way, and the
// values of live secrets are replaced by `[REDACTED:NAME]` before the agent (or the audit log) sees the result.
// Which canary it was goes into the event's rule ids and the alert, never into the answer to the caller. The relay
// screen does the same for what an upstream sends outside a result (notifications, progress, server-to-client
// requests, errors).
import type { DownstreamCall } from '../core/call.ts';
import type { RelayScreen } from '../core/gateway.ts';
import { RampartError } from '../errors.ts';
import type { Exposure } from '../vault/exposure.ts';
import type { Guard, GuardResult } from './pipeline.ts';

export interface ExposureSource {
  findDeep(value: unknown): Exposure;
  redactDeep<T>(value: T): T;
}

export interface CanaryHit {
  readonly canaries: readonly string[];
  /** `upstream`: in a message an upstream sent outside a result (named by `carrier`). */
  readonly direction: 'request' | 'response' | 'upstream';
  /** The downstream call it concerns; unknown for an upstream message no call is waiting for. */
  readonly call: DownstreamCall | undefined;
  readonly carrier?: { readonly server: string; readonly method: string };
}

/** Blocks calls whose params carry a canary; `onCanary` raises the alert. */
export function createCanaryGuard(source: ExposureSource, onCanary: (hit: CanaryHit) => void): Guard {
  return {
    name: 'vault-canary',
    phase: 'request',
    check: ({ call, value }) => {
      const { canaries } = source.findDeep(value);
      return canaries.length > 0 ? blocked(canaries, 'request', call, onCanary) : { kind: 'pass' };
    },
  };
}

/** Withholds results carrying a canary and redacts secret values from the rest. */
export function createSecretExposureGuard(source: ExposureSource, onCanary: (hit: CanaryHit) => void): Guard {
  return {
    name: 'vault-exposure',
    phase: 'response',
    check: ({ call, value }) => {
      if (!value) return { kind: 'pass' };
      const { names, canaries } = source.findDeep(value);
      if (canaries.length > 0) return blocked(canaries, 'response', call, onCanary);
      if (names.length === 0) return { kind: 'pass' };
      return {
        kind: 'mutate',
        value: source.redactDeep(value),
        ruleIds: names.map((n) => `vault:redacted:${n}`),
      };
    },
  };
}

/**
 * Screens upstream messages that are not results: live secret values are replaced by `[REDACTED:NAME]`; a message
 * carrying a canary is withheld whole (a notification or progress dropped, a server-to-client request refused, an
 * error replaced) with RAMPART_CANARY_DETECTED, and `onCanary` raises the alert.
 */
export function createRelayScreen(source: ExposureSource, onCanary: (hit: CanaryHit) => void): RelayScreen {
  return {
    screen(message, { server, method, call }) {
      const { names, canaries } = source.findDeep(message);
      if (canaries.length > 0) {
        onCanary({ canaries, direction: 'upstream', call, carrier: { server, method } });
        return new RampartError(
          'RAMPART_CANARY_DETECTED',
          'An upstream message was withheld: it carries a value that must never leave Rampart.',
        );
      }
      return names.length > 0 ? source.redactDeep(message) : message;
    },
  };
}

function blocked(
  canaries: readonly string[],
  direction: CanaryHit['direction'],
  call: DownstreamCall,
  onCanary: (hit: CanaryHit) => void,
): GuardResult {
  onCanary({ canaries, direction, call });
  return {
    kind: 'deny',
    code: 'RAMPART_CANARY_DETECTED',
    ruleId: 'vault:canary',
    reason:
      direction === 'request'
        ? 'The call was blocked: its arguments carry a value that must never leave Rampart.'
        : 'The result was withheld: it carries a value that must never leave Rampart.',
    ruleIds: canaries.map((n) => `vault:canary:${n}`),
  };
}
