// The request-phase guard of argument guards: for a tools/call, every configured parameter of the called tool
// is vetted as a path, URL, command argument or SQL text; the first refusal denies the call with the kind's
// stable code and `data.parameter` naming the parameter (never its value, which may be an attack or a secret).
import { type PathFs, vetPath } from '../arguments/path.ts';
import { parameterValue, toolMatches } from '../arguments/select.ts';
import { vetShellArgument } from '../arguments/shell.ts';
import { vetSql } from '../arguments/sql.ts';
import { type HostResolver, vetUrl } from '../arguments/url.ts';
import type { Verdict } from '../arguments/verdict.ts';
import type { ArgumentGuardRuleConfig } from '../config/argument-guards-schema.ts';
import type { ErrorCode } from '../errors.ts';
import type { Guard, GuardResult } from './pipeline.ts';

export interface ArgumentGuardDeps {
  /** Filesystem for path rules (realpath through symlinks). */
  readonly fs: PathFs;
  /** DNS for URL rules: every address a host resolves to is checked. */
  readonly resolve: HostResolver;
}

type Kind = 'path' | 'url' | 'shell' | 'sql';

const CODES: Record<Kind, ErrorCode> = {
  path: 'RAMPART_ARGUMENT_PATH',
  url: 'RAMPART_ARGUMENT_URL',
  shell: 'RAMPART_ARGUMENT_SHELL',
  sql: 'RAMPART_ARGUMENT_SQL',
};

function kindOf(rule: ArgumentGuardRuleConfig): Kind {
  if (rule.path) return 'path';
  if (rule.url) return 'url';
  if (rule.shell) return 'shell';
  return 'sql';
}

/** The audit rule id of an argument guard rule. */
export function argumentGuardRuleId(rule: ArgumentGuardRuleConfig): string {
  return `argument:${kindOf(rule)}:${rule.tool}:${rule.parameter}`;
}

async function vetOne(
  rule: ArgumentGuardRuleConfig,
  value: string,
  deps: ArgumentGuardDeps,
): Promise<Verdict<unknown>> {
  if (rule.path) return vetPath(value, rule.path, deps.fs);
  if (rule.url) return vetUrl(value, rule.url, deps.resolve);
  if (rule.shell) return vetShellArgument(value);
  return vetSql(value, rule.sql ?? { allow: ['select'] });
}

/** Vets one parameter's value: a string, or (for command arguments and paths) an array of strings. */
export async function vetParameter(
  rule: ArgumentGuardRuleConfig,
  value: unknown,
  deps: ArgumentGuardDeps,
): Promise<Verdict<unknown>> {
  if (value === undefined) return { ok: true, value: undefined };
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (typeof item !== 'string') return { ok: false, reason: 'the value is not a string' };
    const verdict = await vetOne(rule, item, deps);
    if (!verdict.ok) return verdict;
  }
  return { ok: true, value };
}

/** A guard that refuses tools/call requests whose guarded arguments fail their path, URL, shell or SQL rule. */
export function argumentGuard(rules: readonly ArgumentGuardRuleConfig[], deps: ArgumentGuardDeps): Guard {
  return {
    name: 'argument-guards',
    phase: 'request',
    check: async ({ call, value }): Promise<GuardResult> => {
      if (call.method !== 'tools/call') return { kind: 'pass' };
      const params = value ?? call.params;
      const name = params?.name;
      if (typeof name !== 'string') return { kind: 'pass' };
      const args = params?.arguments;
      const applied: string[] = [];
      for (const rule of rules) {
        if (!toolMatches(rule.tool, name)) continue;
        const ruleId = argumentGuardRuleId(rule);
        const verdict = await vetParameter(rule, parameterValue(args, rule.parameter), deps);
        if (!verdict.ok) {
          return {
            kind: 'deny',
            code: CODES[kindOf(rule)],
            ruleId,
            reason: `Argument "${rule.parameter}" refused: ${verdict.reason}.`,
            data: { parameter: rule.parameter, reason: verdict.reason },
          };
        }
        applied.push(ruleId);
      }
      return applied.length > 0 ? { kind: 'pass', ruleIds: applied } : { kind: 'pass' };
    },
  };
}
