// Per-upstream lists (tools, prompts, resources, templates), fetched across all upstream pages and cached until
// the upstream says the list changed (or briefly, for upstreams that never say so). The same cached list both
// feeds `*/list` and decides what may be called, so a name that is not listed is not routable.

import type { CallOptions, Upstream } from '../upstream/upstream.ts';
import type { JsonObject } from './jsonrpc.ts';
import { isObject } from './jsonrpc.ts';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export const LIST_METHODS: Record<ListKind, string> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};
const CAPABILITY: Record<ListKind, string> = {
  tools: 'tools',
  prompts: 'prompts',
  resources: 'resources',
  resourceTemplates: 'resources',
};
const MAX_PAGES = 100;
/** Lists of upstreams without listChanged are re-fetched after this long. */
const UNNOTIFIED_TTL_MS = 5_000;

interface Entry {
  items: JsonObject[];
  fetchedAt: number;
}

export class Catalog {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<JsonObject[]>>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** True when the upstream declared the capability this list belongs to. */
  supports(upstream: Upstream, kind: ListKind): boolean {
    return isObject(upstream.capabilities[CAPABILITY[kind]]);
  }

  async list(upstream: Upstream, kind: ListKind, options: CallOptions): Promise<JsonObject[]> {
    const key = `${upstream.name}\u0000${kind}`;
    const cached = this.cache.get(key);
    if (cached && this.fresh(upstream, kind, cached)) return cached.items;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchAll(upstream, kind, options).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const items = await pending;
    this.cache.set(key, { items, fetchedAt: this.now() });
    return items;
  }

  invalidate(upstream: Upstream, kind?: ListKind): void {
    for (const k of kind ? [kind] : (Object.keys(LIST_METHODS) as ListKind[])) {
      this.cache.delete(`${upstream.name}\u0000${k}`);
    }
  }

  private fresh(upstream: Upstream, kind: ListKind, entry: Entry): boolean {
    const capability = upstream.capabilities[CAPABILITY[kind]];
    const notifies =
      kind !== 'resourceTemplates' && isObject(capability) && capability['listChanged'] === true;
    return notifies || this.now() - entry.fetchedAt < UNNOTIFIED_TTL_MS;
  }

  private async fetchAll(upstream: Upstream, kind: ListKind, options: CallOptions): Promise<JsonObject[]> {
    const items: JsonObject[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await upstream.request(
        LIST_METHODS[kind],
        cursor === undefined ? undefined : { cursor },
        options,
      );
      const pageItems = result[kind];
      if (Array.isArray(pageItems)) for (const item of pageItems) if (isObject(item)) items.push(item);
      const next = result['nextCursor'];
      if (typeof next !== 'string' || next === '' || seen.has(next)) break;
      seen.add(next);
      cursor = next;
    }
    return items;
  }
}
