// Response phase: what a tool, resource or prompt returns is scanned before the agent sees it. Instructions aimed at
// the agent, fake role markers and exfiltration links become a risk score; at `flagAt` the findings go into the
// audit event, at `blockAt` the result is withheld (RAMPART_OUTPUT_BLOCKED); secrets (and, when configured,
// personal data) are replaced by typed placeholders so the rest of the result stays usable.
import type { DetectionConfig, OutputActions } from '../config/detection-schema.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import { nameMatches } from '../core/names.ts';
import type { Finding } from '../detect/finding.ts';
import type { Guard, GuardResult } from './pipeline.ts';

/** Methods whose results carry content from outside (what detectors look at). */
const SCANNED = new Set(['tools/call', 'resources/read', 'prompts/get']);
/** Fields that name or type content rather than carry it. */
const NOT_CONTENT = new Set([
  'type',
  'uri',
  'mimeType',
  'name',
  'blob',
  '_meta',
  'annotations',
  'resultType',
  // An `input_required` result's requests are server-to-client requests (a sampling prompt *is* instructions for a
  // model), authorized by policy as such; its state is opaque. Neither is content for the agent.
  'inputRequests',
  'requestState',
]);

export interface OutputDetectors {
  /** Injection-type findings in one text. */
  scan(text: string, context: { toolName?: string | undefined }): Finding[];
  /** The text with secrets (and personal data, when asked) replaced, and what was replaced. */
  redact(text: string, kinds: readonly ('secrets' | 'pii')[]): { text: string; findings: Finding[] };
  score(findings: readonly Finding[]): number;
}

export interface ResolvedOutputActions {
  readonly flagAt: number;
  readonly blockAt: number;
  readonly redact: readonly ('secrets' | 'pii')[];
}

/** The output actions for one server and exposed name: defaults, then the matching overrides in order. */
export function outputActionsFor(
  config: DetectionConfig,
  defaults: ResolvedOutputActions,
  server: string | undefined,
  exposedName: string | undefined,
): ResolvedOutputActions {
  let actions: ResolvedOutputActions = merge(defaults, config.outputs);
  for (const o of config.overrides) {
    if (o.servers && (server === undefined || !o.servers.includes(server))) continue;
    if (o.tools && (exposedName === undefined || !o.tools.some((t) => nameMatches(t, exposedName)))) continue;
    if (o.outputs) actions = merge(actions, o.outputs);
  }
  return actions;
}

function merge(base: ResolvedOutputActions, over: OutputActions): ResolvedOutputActions {
  return {
    flagAt: over.flagAt ?? base.flagAt,
    blockAt: over.blockAt ?? base.blockAt,
    redact: over.redact ?? base.redact,
  };
}

/** The response guard over tool results, resource contents and prompt messages. */
export function createOutputGuard(
  config: DetectionConfig,
  defaults: ResolvedOutputActions,
  detectors: OutputDetectors,
): Guard {
  return {
    name: 'output-detection',
    phase: 'response',
    check: ({ call, value }): GuardResult => {
      if (!value || !SCANNED.has(call.method)) return { kind: 'pass' };
      const name = typeof call.params?.['name'] === 'string' ? call.params['name'] : undefined;
      const actions = outputActionsFor(config, defaults, call.trace.server, name);
      const found: Finding[] = [];
      forEachContent(value, '', (text, field) => {
        for (const f of detectors.scan(text, { toolName: name })) found.push(withField(f, field));
      });
      const score = detectors.score(found);
      const flagged = found.length > 0 && score >= actions.flagAt;
      if (flagged) record(call.trace, found);
      if (found.length > 0 && score >= actions.blockAt) {
        return {
          kind: 'deny',
          code: 'RAMPART_OUTPUT_BLOCKED',
          ruleId: 'detect:output-blocked',
          reason: 'The result carries instructions aimed at the agent; it was withheld.',
          ruleIds: [...new Set(found.map((f) => `detect:${f.rule}`))].slice(0, 10),
          data: {
            score: Math.round(score * 100) / 100,
            rules: [...new Set(found.map((f) => f.rule))].slice(0, 10),
          },
        };
      }
      const ruleIds = flagged ? ['detect:output-flagged'] : [];
      if (actions.redact.length === 0) return { kind: 'pass', ruleIds };
      const redactions: Finding[] = [];
      const redacted = mapContent(value, '', (text, field) => {
        const result = detectors.redact(text, actions.redact);
        for (const f of result.findings) redactions.push(withField(f, field));
        return result.text;
      });
      if (redactions.length === 0) return { kind: 'pass', ruleIds };
      record(call.trace, redactions);
      return { kind: 'mutate', value: redacted as JsonObject, ruleIds: [...ruleIds, 'detect:redacted'] };
    },
  };
}

function withField(f: Finding, field: string): Finding {
  return f.span ? f : { ...f, span: { field, start: 0, end: 0 } };
}

/** Rule ids, severities and where: never the matched text (it may be a secret or the injection itself). */
function record(
  trace: { findings?: { rule: string; severity: string; location?: string }[] | undefined },
  found: readonly Finding[],
): void {
  trace.findings ??= [];
  for (const f of found.slice(0, 50)) {
    trace.findings.push({
      rule: f.rule,
      severity: f.severity,
      ...(f.span ? { location: f.span.field } : {}),
    });
  }
}

function forEachContent(value: unknown, path: string, visit: (text: string, field: string) => void): void {
  if (typeof value === 'string') {
    visit(value, path);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) forEachContent(v, `${path}[${i}]`, visit);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (!NOT_CONTENT.has(key)) forEachContent(v, path ? `${path}.${key}` : key, visit);
  }
}

/** A copy of `value` with every content string replaced by `map` (structure, `_meta` and types untouched). */
function mapContent(value: unknown, path: string, map: (text: string, field: string) => string): unknown {
  if (typeof value === 'string') return map(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapContent(v, `${path}[${i}]`, map));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = NOT_CONTENT.has(key) ? v : mapContent(v, path ? `${path}.${key}` : key, map);
  }
  return out;
}
