// Label values for Prometheus series. Every label value here can come from a client (a JSON-RPC method name, an
// HTTP verb) or from config (rule ids, upstream names); a client that could mint label values could grow the
// registry without bound, so values are mapped onto a closed set or capped.

/** Requests Rampart answers in either era; anything else is counted as `other`. */
const MCP_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/update',
  'tasks/cancel',
]);

export const OTHER = 'other';

/** The `method` label: a known MCP method, `http` for a refusal before any JSON-RPC was read, else `other`. */
export function methodLabel(method: string): string {
  if (MCP_METHODS.has(method)) return method;
  // The ingress records refusals of unparsable requests as `HTTP <verb>`; the verb is client-chosen too.
  return method.startsWith('HTTP ') ? 'http' : OTHER;
}

/**
 * Admits the first `max` distinct values of a label and folds the rest into `other`. Rule ids and upstream names
 * come from config, so the cap is a backstop (a runaway guard naming rules after input), not a normal path.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(raw);
    return raw;
  }
}
