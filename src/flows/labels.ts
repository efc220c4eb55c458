// A tool's capability labels: what the operator says (`policy.labels`, per server or exposed name) and what the
// tool's own server declares in its hints. Hints come from an untrusted server, so they may only add the
// restrictive labels, and only when stated explicitly: the MCP defaults (destructive, open world) would label
// every unannotated tool and make the rule useless, and a server that leaves a hint out gains nothing it could not
// gain by lying. The operator's `labels` are the security boundary; `flows.ignoreAnnotations` drops the hints of
// a server or tool altogether.
import type { PolicyConfig } from '../config/policy-schema.ts';
import type { CallTarget } from '../core/call.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';

/** The labels toxic-flow rules are written with (any other `policy.labels` label flows the same way). */
export const FLOW_LABELS = {
  untrustedInput: 'untrusted_input',
  privateData: 'private_data',
  publicSink: 'public_sink',
  destructive: 'destructive',
} as const;

/** Where a label of an item comes from. */
export type LabelOrigin = 'config' | 'annotation' | 'detector';

export interface ItemLabel {
  readonly label: string;
  readonly via: LabelOrigin;
}

type LabelConfig = Pick<PolicyConfig, 'labels' | 'flows'>;

/** The labels the explicit hints of a tool add (`true` only; a contradicting `readOnlyHint` removes nothing). */
export function annotationLabels(tool: JsonObject): string[] {
  const hints = isObject(tool['annotations']) ? tool['annotations'] : {};
  const labels: string[] = [];
  if (hints['destructiveHint'] === true) labels.push(FLOW_LABELS.destructive);
  if (hints['openWorldHint'] === true) labels.push(FLOW_LABELS.untrustedInput);
  return labels;
}

/**
 * An item's labels with their origin: its server's and its own from config, then (tools only) its hints'. A label
 * both give is reported once, as config.
 */
export function itemLabels(config: LabelConfig, target: CallTarget): ItemLabel[] {
  const out = new Map<string, ItemLabel>();
  const add = (label: string, via: LabelOrigin) => {
    if (!out.has(label)) out.set(label, { label, via });
  };
  for (const label of config.labels[target.server] ?? []) add(label, 'config');
  if (target.kind === 'tool' || target.kind === 'prompt') {
    for (const label of config.labels[target.exposedName] ?? []) add(label, 'config');
  }
  if (target.kind === 'tool' && config.flows.annotations && !hintsIgnored(config, target)) {
    for (const label of annotationLabels(target.item)) add(label, 'annotation');
  }
  return [...out.values()];
}

function hintsIgnored(config: LabelConfig, target: { server: string; exposedName: string }): boolean {
  const ignored = config.flows.ignoreAnnotations;
  return ignored.includes(target.server) || ignored.includes(target.exposedName);
}
