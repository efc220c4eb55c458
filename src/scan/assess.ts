// What `rampart scan` reports for one server: the detectors' verdict on every tool, prompt, resource template and
// the instructions (look-alike names judged against every tool the scan saw, on every server), plus transport and
// pin findings. Pure: the detectors are passed in.
import type { JsonObject } from '../core/jsonrpc.ts';
import type { Finding } from '../detect/finding.ts';
import { contractHash } from '../integrity/pins.ts';
import type { ScanTarget } from './client-configs.ts';
import type { Inspected } from './inspect.ts';

export type ItemKind = 'server' | 'instructions' | 'tool' | 'prompt' | 'resourceTemplate' | 'resource';

export interface ScanItem {
  readonly kind: ItemKind;
  readonly name: string;
  readonly score: number;
  readonly findings: readonly Finding[];
}

export interface ScanResult {
  readonly target: ScanTarget;
  readonly status: 'ok' | 'error' | 'skipped';
  readonly error?: string | undefined;
  readonly items: readonly ScanItem[];
  /** Contract hashes of what it served, by `kind:name` (what the next scan compares against). */
  readonly pins: Readonly<Record<string, string>>;
}

/** A definition as the metadata detectors take it. */
export interface Definition {
  readonly name: string;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly inputSchema?: unknown;
}

export interface MetadataAssessor {
  assess(definition: Definition, otherNames: readonly string[]): { score: number; findings: Finding[] };
  /** The score at and above which an item is reported as a threat (and the exit code is 1). */
  readonly threshold: number;
}

/** Scores every item of one inspected server; `previous` pins (from the last scan) turn changes into findings. */
export function assessServer(
  target: ScanTarget,
  inspected: Inspected,
  allToolNames: readonly string[],
  assessor: MetadataAssessor,
  previous: Readonly<Record<string, string>> | undefined,
): ScanResult {
  const items: ScanItem[] = [];
  const pins: Record<string, string> = {};
  const add = (kind: ItemKind, name: string, definition: Definition, raw: unknown) => {
    const others = allToolNames.filter((n) => n !== name);
    const { score, findings } = assessor.assess(definition, others);
    const key = `${kind}:${name}`;
    pins[key] = contractHash(raw);
    const pinFindings: Finding[] =
      previous && previous[key] !== undefined && previous[key] !== pins[key]
        ? [{ rule: 'pin.changed', severity: 'high', evidence: `${kind} ${name} changed since the last scan` }]
        : [];
    items.push({
      kind,
      name,
      score: pinFindings.length > 0 ? Math.max(score, 0.7) : score,
      findings: [...findings, ...pinFindings],
    });
  };
  for (const tool of inspected.tools) add('tool', String(tool['name']), definitionOf(tool), tool);
  for (const prompt of inspected.prompts)
    add('prompt', String(prompt['name']), promptDefinition(prompt), prompt);
  for (const template of inspected.resourceTemplates) {
    add('resourceTemplate', String(template['uriTemplate']), definitionOf(template), template);
  }
  if (inspected.instructions !== undefined) {
    add(
      'instructions',
      '(instructions)',
      { name: 'instructions', description: inspected.instructions },
      inspected.instructions,
    );
  }
  if (previous) {
    for (const key of Object.keys(previous)) {
      if (pins[key] !== undefined) continue;
      const [kind, ...rest] = key.split(':');
      items.push({
        kind: kind as ItemKind,
        name: rest.join(':'),
        score: 0,
        findings: [{ rule: 'pin.removed', severity: 'info', evidence: `${key} is gone since the last scan` }],
      });
    }
  }
  const server = transportFindings(target);
  if (server.length > 0) items.unshift({ kind: 'server', name: target.name, score: 0.4, findings: server });
  return { target, status: 'ok', items, pins };
}

function definitionOf(item: JsonObject): Definition {
  return {
    name: String(item['name'] ?? item['uriTemplate'] ?? ''),
    title: typeof item['title'] === 'string' ? item['title'] : undefined,
    description: typeof item['description'] === 'string' ? item['description'] : undefined,
    inputSchema: item['inputSchema'],
  };
}

/** A prompt's arguments read as an input schema, so every string the agent sees is scanned. */
function promptDefinition(prompt: JsonObject): Definition {
  const properties: Record<string, unknown> = {};
  for (const arg of Array.isArray(prompt['arguments']) ? prompt['arguments'] : []) {
    const a = arg as JsonObject;
    if (typeof a['name'] === 'string')
      properties[a['name']] = { type: 'string', description: a['description'] };
  }
  return { ...definitionOf(prompt), inputSchema: { type: 'object', properties } };
}

function transportFindings(target: ScanTarget): Finding[] {
  if (target.kind !== 'http') return [];
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return [{ rule: 'scan.bad_url', severity: 'medium', evidence: target.url.slice(0, 200) }];
  }
  const loopback =
    ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  return url.protocol === 'http:' && !loopback
    ? [{ rule: 'scan.plain_http', severity: 'medium', evidence: `${url.origin} is reached without TLS` }]
    : [];
}
