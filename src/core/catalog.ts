// Per-upstream lists (tools, prompts, resources, templates), fetched across all upstream pages and cached until
// the upstream says the list changed (or briefly, for upstreams that never say so). The same cached list both
// feeds `*/list` and decides what may be called, so a name that is not listed is not routable.

import { RampartError } from '../errors.ts';
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
  private readonly inflight = new Map<string, { generation: number; items: Promise<JsonObject[]> }>();
  /** Bumped by every invalidation: a fetch that started before it must neither be joined nor cached. */
  private readonly generations = new Map<string, number>();
  private readonly now: () => number;
  /** Told about every list fetched from an upstream (policies type `context.arguments` from the tools' schemas). */
  onFetched: ((server: string, kind: ListKind, items: readonly JsonObject[]) => void) | undefined;
  /**
   * Decides which fetched items the gateway may use at all (the integrity quarantine): it runs once per fetch, before
   * caching, so what it drops is neither listed nor routable.
   */
  admit: ((upstream: Upstream, kind: ListKind, items: JsonObject[]) => JsonObject[]) | undefined;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** True when the upstream declared the capability this list belongs to. */
  supports(upstream: Upstream, kind: ListKind): boolean {
    return isObject(upstream.capabilities[CAPABILITY[kind]]);
  }

  /**
   * The upstream's whole list. Concurrent callers share one fetch, which runs under its own timeout rather than
   * any caller's signal, so one client giving up never empties another client's list; each caller still stops
   * waiting when its own signal aborts.
   */
  async list(upstream: Upstream, kind: ListKind, signal: AbortSignal): Promise<JsonObject[]> {
    const key = `${upstream.name}\u0000${kind}`;
    const cached = this.cache.get(key);
    if (cached && this.fresh(upstream, kind, cached)) return cached.items;
    const generation = this.generations.get(key) ?? 0;
    let pending = this.inflight.get(key);
    if (!pending || pending.generation !== generation) {
      const items = this.fetchAll(upstream, kind).then((all) => {
        const fetched = this.admit ? this.admit(upstream, kind, all) : all;
        if ((this.generations.get(key) ?? 0) === generation) {
          this.cache.set(key, { items: fetched, fetchedAt: this.now() });
          this.onFetched?.(upstream.name, kind, fetched);
        }
        return fetched;
      });
      pending = { generation, items };
      this.inflight.set(key, pending);
      const mine = pending;
      void items
        .catch(() => undefined)
        .finally(() => {
          if (this.inflight.get(key) === mine) this.inflight.delete(key);
        });
    }
    return abortable(pending.items, signal);
  }

  /** The list as last cached (admitted items), without fetching; undefined when none is cached. */
  cached(upstream: Upstream, kind: ListKind): readonly JsonObject[] | undefined {
    return this.cache.get(`${upstream.name}\u0000${kind}`)?.items;
  }

  invalidate(upstream: Upstream, kind?: ListKind): void {
    for (const k of kind ? [kind] : (Object.keys(LIST_METHODS) as ListKind[])) {
      const key = `${upstream.name}\u0000${k}`;
      this.cache.delete(key);
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    }
  }

  private fresh(upstream: Upstream, kind: ListKind, entry: Entry): boolean {
    const capability = upstream.capabilities[CAPABILITY[kind]];
    const notifies =
      kind !== 'resourceTemplates' && isObject(capability) && capability['listChanged'] === true;
    return notifies || this.now() - entry.fetchedAt < UNNOTIFIED_TTL_MS;
  }

  private async fetchAll(upstream: Upstream, kind: ListKind): Promise<JsonObject[]> {
    const options: CallOptions = {
      owner: undefined,
      signal: AbortSignal.timeout(upstream.config.timeouts.requestMs),
      onProgress: undefined,
      downstream: { clientCapabilities: {}, clientInfo: undefined, logLevel: undefined },
    };
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

/** Waits for `work` unless `signal` aborts first (the work itself goes on for other waiters). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new RampartError('RAMPART_CANCELLED'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RampartError('RAMPART_CANCELLED'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
