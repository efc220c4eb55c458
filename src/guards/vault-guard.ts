// The vault's two guards. Request phase: a call whose params carry a canary token is blocked before it reaches an
// upstream (RAMPART_CANARY_DETECTED). Response phase: a result carrying a canary is withheld the same way, and the
// values of live secrets are replaced by `[REDACTED:NAME]` before the agent (or the audit log) sees the result.
// Which canary it was goes into the event's rule ids and the alert, never into the answer to the caller.
import type { DownstreamCall } from '../core/call.ts';
import type { Exposure } from '../vault/exposure.ts';
import type { Guard, GuardResult } from './pipeline.ts';

export interface ExposureSource {
  findDeep(value: unknown): Exposure;
  redactDeep<T>(value: T): T;
}

export interface CanaryHit {
  readonly canaries: readonly string[];
  readonly direction: 'request' | 'response';
  readonly call: DownstreamCall;
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
