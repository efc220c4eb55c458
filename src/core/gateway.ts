// The era-neutral heart of Rampart: answers one downstream request by aggregating or routing it to upstreams,
// remaps names, cursors and progress, routes server-to-client traffic back to the request it belongs to, and
// translates between eras (legacy upstream asks -> MRTR for modern clients, and the reverse).
import { principalKey } from '../auth/principal.ts';
import { RampartError } from '../errors.ts';
import type { GatewayIntegrity } from '../integrity/gateway-integrity.ts';
import type { Logger } from '../monitor/logger.ts';
import type { OutgoingCall } from '../upstream/rpc-peer.ts';
import type { CallOptions, Upstream, UpstreamListener } from '../upstream/upstream.ts';
import { type CallTarget, type DownstreamCall, isLogLevel, logLevelPasses } from './call.ts';
import { Catalog, LIST_METHODS, type ListKind } from './catalog.ts';
import {
  isObject,
  type JsonObject,
  type JsonRpcNotification,
  type JsonRpcRequest,
  PeerError,
} from './jsonrpc.ts';
import { type Exchange, MrtrBridge } from './mrtr-bridge.ts';
import { exposeName, exposeUri, type Namespacing, ownName, ownUri, uriNamespace } from './names.ts';
import { paramHeaderMismatch } from './param-headers.ts';
import { META_SERVER_INFO, MODERN_VERSIONS, RAMPART_INFO, TASKS_EXTENSION } from './protocol.ts';
import type { TokenSigner } from './signed-token.ts';
import { matchesTemplate } from './uri-template.ts';

const MAX_INPUT_ROUNDS = 16;
/** List filtering runs at most this long before it lets other requests in. */
const LIST_FILTER_SLICE_MS = 10;
/** At most 50 progress notifications per second per request reach the client. */
const MIN_PROGRESS_INTERVAL_MS = 20;
const LIST_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];
const LIST_KIND_BY_METHOD: Record<string, ListKind> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};
const CAPABILITY_FOR_REQUEST: Record<string, string> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** Where change notifications for clients go; the ingress implements it per era. */
export interface DownstreamHub {
  listChanged(kind: 'tools' | 'prompts' | 'resources'): void;
  resourceUpdated(exposedUri: string, params: JsonObject): void;
}

/**
 * Authorization as the gateway asks for it where the pipeline's request guards cannot: per item of a merged list
 * and per server-to-client request. The same policies decide calls in the request guard.
 */
export interface GatewayAuthorizer {
  /** True when the caller may see this item (some call of it is not denied). */
  visible(call: DownstreamCall, target: CallTarget): boolean;
  /** Resolves when the upstream may send this request to the caller's client; throws RampartError otherwise. */
  serverRequest(call: DownstreamCall, server: string, method: string): Promise<void>;
}

/**
 * Screens what an upstream sends toward a client other than a result (results pass the response guards):
 * notifications, progress, server-to-client requests and error objects (src/guards/vault-guard.ts).
 */
export interface RelayScreen {
  /** The message as the client may see it, or the error that stands in for a message that must not reach it. */
  screen<T>(message: T, context: RelayContext): T | RampartError;
}

export interface RelayContext {
  readonly server: string;
  readonly method: string;
  /** The downstream request the message belongs to, when known. */
  readonly call: DownstreamCall | undefined;
}

/** Who a request belongs to, carried on the upstream call so server-to-client traffic finds its way back. */
interface Owner {
  call: DownstreamCall;
  exchange: Exchange | undefined;
}

export interface GatewayOptions {
  separator: string;
  signer: TokenSigner;
  mrtrStateTtlMs: number;
  listPageSize: number;
  log: Logger;
}

export class Gateway implements UpstreamListener {
  readonly upstreams: Upstream[] = [];
  readonly catalog = new Catalog();
  private readonly options: GatewayOptions;
  private readonly bridge: MrtrBridge;
  private readonly namespaces = new Map<Upstream, Namespacing>();
  private readonly subscriptions = new Map<string, number>();
  private readonly sessionLogLevels = new Map<string, string>();
  private hub: DownstreamHub | undefined;
  private authorizer: GatewayAuthorizer | undefined;
  private integrity: GatewayIntegrity | undefined;
  private relayScreen: RelayScreen | undefined;

  constructor(options: GatewayOptions) {
    this.options = options;
    this.bridge = new MrtrBridge(options.signer, options.mrtrStateTtlMs);
  }

  addUpstream(upstream: Upstream): void {
    this.upstreams.push(upstream);
    const namespace = upstream.config.namespace ?? upstream.name;
    this.namespaces.set(upstream, { namespace, separator: this.options.separator });
  }

  setHub(hub: DownstreamHub): void {
    this.hub = hub;
  }

  setAuthorizer(authorizer: GatewayAuthorizer): void {
    this.authorizer = authorizer;
  }

  /** The upstream's own name for an exposed tool or prompt name of `server`; undefined when it is not one. */
  ownNameOf(server: string, exposedName: string): string | undefined {
    const upstream = this.upstreams.find((u) => u.name === server);
    return upstream ? ownName(this.ns(upstream), exposedName) : undefined;
  }

  /** Puts a screen on every upstream message that reaches a client outside a result (see `relay`). */
  setRelayScreen(screen: RelayScreen): void {
    this.relayScreen = screen;
  }

  /** Puts the integrity quarantine between every fetched list and its use (see src/integrity/). */
  setIntegrity(integrity: GatewayIntegrity): void {
    this.integrity = integrity;
    this.catalog.admit = (upstream, kind, items) => integrity.admit(upstream, kind, items);
  }

  /**
   * Fetches (and so checks) every list of the upstream now rather than at the next client's request: changes are
   * found, quarantined and audited when they happen. `kinds` limits it to what a list_changed named.
   */
  async refresh(upstream: Upstream, kinds: readonly ListKind[] = LIST_KINDS): Promise<void> {
    if (upstream.status !== 'ready') return;
    for (const kind of kinds) this.catalog.invalidate(upstream, kind);
    const signal = AbortSignal.timeout(upstream.config.timeouts.requestMs);
    await Promise.all(
      kinds
        .filter((kind) => this.catalog.supports(upstream, kind))
        .map((kind) =>
          this.catalog.list(upstream, kind, signal).catch((err: unknown) =>
            this.options.log.warn('checking a list failed', {
              server: upstream.name,
              method: LIST_METHODS[kind],
              error: err instanceof Error ? err.message : String(err),
            }),
          ),
        ),
    );
  }

  /** After an integrity decision: re-reviews the server as a whole, re-fetches its lists and tells clients. */
  async integrityDecided(upstream: Upstream): Promise<void> {
    if (upstream.status === 'ready') this.integrity?.connected(upstream);
    await this.refresh(upstream);
    this.announceLists(upstream);
  }

  /**
   * The periodic re-check: re-reviews the server and re-fetches its lists like a decision does, but tells clients
   * only when what they can see changed (an unchanged server every `integrity.recheckMs` is not news).
   */
  async recheck(upstream: Upstream): Promise<void> {
    if (upstream.status === 'ready') this.integrity?.connected(upstream);
    const before = this.visibleLists(upstream);
    await this.refresh(upstream);
    if (this.visibleLists(upstream) !== before) this.announceLists(upstream);
  }

  /** What clients can see of a server's lists, as one string to compare (instructions visibility included). */
  private visibleLists(upstream: Upstream): string {
    return JSON.stringify([
      LIST_KINDS.map((kind) => this.catalog.cached(upstream, kind) ?? null),
      this.integrity?.instructionsVisible(upstream.name) ?? true,
      this.integrity?.serverRefusal(upstream.name)?.code ?? null,
    ]);
  }

  private announceLists(upstream: Upstream): void {
    this.hub?.listChanged('tools');
    if (isObject(upstream.capabilities['prompts'])) this.hub?.listChanged('prompts');
    if (isObject(upstream.capabilities['resources'])) this.hub?.listChanged('resources');
  }

  async close(): Promise<void> {
    this.bridge.close();
    await Promise.all(this.upstreams.map((u) => u.close()));
  }

  /** Capabilities Rampart offers: the union of what its upstreams offer, with list_changed always on. */
  capabilities(): JsonObject {
    const caps: JsonObject = {};
    const has = (key: string) => this.upstreams.some((u) => isObject(u.capabilities[key]));
    if (has('tools') || this.upstreams.length > 0) caps['tools'] = { listChanged: true };
    if (has('prompts')) caps['prompts'] = { listChanged: true };
    if (has('resources')) {
      const subscribe = this.upstreams.some((u) => {
        const r = u.capabilities['resources'];
        return isObject(r) && r['subscribe'] === true;
      });
      caps['resources'] = subscribe ? { subscribe: true, listChanged: true } : { listChanged: true };
    }
    if (has('completions')) caps['completions'] = {};
    caps['logging'] = {};
    return caps;
  }

  instructions(): string | undefined {
    const parts = this.upstreams
      .filter((u) => u.instructions && (this.integrity?.instructionsVisible(u.name) ?? true))
      .map((u) => `## ${u.name}\n${u.instructions}`);
    return parts.length > 0 ? parts.join('\n\n') : undefined;
  }

  discoverResult(): JsonObject {
    const result: JsonObject = {
      supportedVersions: [...MODERN_VERSIONS],
      capabilities: this.modernCapabilities(),
      serverInfo: RAMPART_INFO,
    };
    const instructions = this.instructions();
    if (instructions !== undefined) result['instructions'] = instructions;
    return result;
  }

  /** In 2026-07-28 list_changed and resource updates travel through subscriptions/listen, and logging is per request. */
  modernCapabilities(): JsonObject {
    const caps = this.capabilities();
    const tasks = this.upstreams.some((u) => {
      const extensions = u.capabilities['extensions'];
      return u.era === 'modern' && isObject(extensions) && isObject(extensions[TASKS_EXTENSION]);
    });
    if (tasks) caps['extensions'] = { [TASKS_EXTENSION]: {} };
    return caps;
  }

  /** The upstream an exposed tool or prompt name belongs to, by namespace prefix or cached list; best effort. */
  serverOf(exposed: string): string | undefined {
    for (const upstream of this.upstreams) {
      const ns = this.ns(upstream);
      if (ns.namespace !== '' && ownName(ns, exposed) !== undefined) return upstream.name;
    }
    return this.upstreams.find((u) => this.ns(u).namespace === '')?.name;
  }

  /**
   * The upstream a request will go to, for authentication's per-server scopes and binding, decided the same way
   * routing decides (by name, URI, completion reference or task token). Undefined for aggregate methods.
   */
  serverForRequest(method: string, params: JsonObject | undefined): string | undefined {
    switch (method) {
      case 'tools/call':
      case 'prompts/get':
        return typeof params?.['name'] === 'string' ? this.serverOf(params['name']) : undefined;
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return typeof params?.['uri'] === 'string'
          ? this.tryResolveUri(params['uri'])?.upstream.name
          : undefined;
      case 'completion/complete': {
        const ref = params?.['ref'];
        if (!isObject(ref)) return undefined;
        if (typeof ref['name'] === 'string') return this.serverOf(ref['name']);
        return typeof ref['uri'] === 'string' ? this.tryResolveUri(ref['uri'])?.upstream.name : undefined;
      }
      case 'tasks/get':
      case 'tasks/update':
      case 'tasks/cancel': {
        const payload =
          typeof params?.['taskId'] === 'string'
            ? this.options.signer.verify('task', params['taskId'])
            : undefined;
        return isObject(payload) && typeof payload['u'] === 'string' ? payload['u'] : undefined;
      }
      default:
        return undefined;
    }
  }

  /** Answers one request (never a notification): route, then forward. Throws RampartError or PeerError. */
  async handle(call: DownstreamCall): Promise<JsonObject> {
    return (await this.route(call))(call.params);
  }

  /**
   * Phase 4 of the pipeline: decides where a request goes (recording the server on `call.trace`) without sending
   * anything, so the request guards that follow see the exact target. Unknown names fail here.
   */
  async route(call: DownstreamCall): Promise<Forward> {
    const kind = LIST_KIND_BY_METHOD[call.method];
    if (kind !== undefined) return (params) => this.aggregateList(kind, { ...call, params });
    let route: Route;
    switch (call.method) {
      case 'ping':
        return async () => ({});
      case 'tools/call':
        route = await this.resolveNamed('tools', call);
        break;
      case 'prompts/get':
        route = await this.resolveNamed('prompts', call);
        break;
      case 'resources/read':
        route = this.resolveUri(call, 'uri');
        call.trace.target = await this.resourceTarget(
          route.upstream,
          String(call.params?.['uri']),
          call.signal,
        );
        break;
      case 'resources/subscribe': {
        const uri = call.params?.['uri'];
        const found = typeof uri === 'string' ? this.tryResolveUri(uri) : undefined;
        if (found) {
          call.trace.server = found.upstream.name;
          call.trace.target = await this.resourceTarget(found.upstream, uri as string, call.signal);
        }
        return (params) => this.subscription({ ...call, params });
      }
      case 'resources/unsubscribe':
        return (params) => this.subscription({ ...call, params });
      case 'completion/complete':
        route = this.resolveCompletion(call);
        call.trace.target = await this.completionTarget(route.upstream, call);
        break;
      case 'tasks/get':
      case 'tasks/update':
      case 'tasks/cancel':
        route = this.resolveTask(call);
        break;
      case 'logging/setLevel':
        return async (params) => this.setLogLevel({ ...call, params });
      default:
        throw new RampartError('RAMPART_METHOD_NOT_FOUND', `Method not found: ${call.method}`);
    }
    call.trace.server = route.upstream.name;
    const held = this.integrity?.serverRefusal(route.upstream.name);
    if (held) throw held;
    return (params) => this.routed({ ...call, params }, route);
  }

  /** Client notifications that upstreams must hear about. */
  handleNotification(notification: JsonRpcNotification): void {
    if (notification.method === 'notifications/roots/list_changed') {
      for (const upstream of this.upstreams)
        if (upstream.era === 'legacy') upstream.notify(notification.method);
    }
  }

  /** Forgets a legacy session's state (log level, and its share of resource subscriptions via the hub). */
  sessionClosed(sessionId: string): void {
    if (this.sessionLogLevels.delete(sessionId)) this.pushLogLevel();
  }

  /** Drops one reference to an upstream resource subscription (a session or listen stream went away). */
  releaseSubscription(exposedUri: string): void {
    const route = this.tryResolveUri(exposedUri);
    if (!route) return;
    void this.changeSubscription(route.upstream, route.own, -1);
  }

  /** Adds one reference to an upstream resource subscription. */
  async acquireSubscription(exposedUri: string): Promise<void> {
    const route = this.tryResolveUri(exposedUri);
    if (!route) throw new RampartError('RAMPART_UNKNOWN_RESOURCE');
    await this.changeSubscription(route.upstream, route.own, +1);
  }

  // ---- UpstreamListener ---------------------------------------------------------------------------------

  onConnected(upstream: Upstream): void {
    this.attached(upstream, true);
  }

  /**
   * The same server in a new child (a vault rotation): what it says about itself is checked against its pins
   * again and its session state restored, but clients are not told its lists changed (the server says so itself
   * if they did); its listen stream was reopened by the upstream.
   */
  onRolledOver(upstream: Upstream): void {
    this.attached(upstream, false);
  }

  private attached(upstream: Upstream, announce: boolean): void {
    this.integrity?.connected(upstream);
    this.catalog.invalidate(upstream);
    if (this.integrity) void this.refresh(upstream);
    this.pushLogLevel();
    if (announce && upstream.era === 'modern') void upstream.watchResources(this.watchedUris(upstream));
    for (const key of this.subscriptions.keys()) {
      const [name, uri] = key.split('\u0000') as [string, string];
      if (name !== upstream.name) continue;
      this.sendSubscribe(upstream, uri, 'resources/subscribe').catch((err: unknown) =>
        this.options.log.warn('re-subscribing after reconnect failed', {
          server: upstream.name,
          error: String(err),
        }),
      );
    }
    if (announce) this.announceLists(upstream);
  }

  /** First-use pinning of TLS keys: a key other than the approved one is held for review before any request. */
  tlsKeyAllowed(upstream: Upstream, spki: string): boolean {
    return this.integrity ? this.integrity.tlsKeyAllowed(upstream, spki) : true;
  }

  /** A new pooled connection presented another TLS key: the server's identity is reviewed again at once. */
  onTlsKeyChanged(upstream: Upstream): void {
    if (this.integrity) void this.integrityDecided(upstream);
  }

  onNotification(
    upstream: Upstream,
    notification: JsonRpcNotification,
    related: OutgoingCall | undefined,
  ): void {
    const screened = this.relay(
      upstream,
      this.ownerOf(upstream, related)?.call,
      notification.method,
      notification,
    );
    if (screened instanceof RampartError) return;
    notification = screened;
    const params = notification.params ?? {};
    switch (notification.method) {
      case 'notifications/tools/list_changed':
        this.catalog.invalidate(upstream, 'tools');
        if (this.integrity) void this.refresh(upstream, ['tools']);
        this.hub?.listChanged('tools');
        return;
      case 'notifications/prompts/list_changed':
        this.catalog.invalidate(upstream, 'prompts');
        if (this.integrity) void this.refresh(upstream, ['prompts']);
        this.hub?.listChanged('prompts');
        return;
      case 'notifications/resources/list_changed':
        this.catalog.invalidate(upstream, 'resources');
        this.catalog.invalidate(upstream, 'resourceTemplates');
        if (this.integrity) void this.refresh(upstream, ['resources', 'resourceTemplates']);
        this.hub?.listChanged('resources');
        return;
      case 'notifications/resources/updated': {
        if (typeof params['uri'] !== 'string') return;
        const exposed = exposeUri(this.ns(upstream), params['uri']);
        this.hub?.resourceUpdated(exposed, { ...params, uri: exposed });
        return;
      }
      case 'notifications/message': {
        const owner = this.ownerOf(upstream, related);
        if (!owner) {
          this.options.log.debug('unattributed upstream log message dropped', { server: upstream.name });
          return;
        }
        if (logLevelPasses(params['level'], owner.call.logLevel)) owner.call.notify(notification);
        return;
      }
      default: {
        const owner = this.ownerOf(upstream, related);
        if (owner && owner.call.era === 'legacy') owner.call.notify(notification);
      }
    }
  }

  async onServerRequest(
    upstream: Upstream,
    request: JsonRpcRequest,
    related: OutgoingCall | undefined,
    signal: AbortSignal,
  ): Promise<JsonObject> {
    const owner = this.ownerOf(upstream, related);
    if (!owner) throw new RampartError('RAMPART_AMBIGUOUS_SERVER_REQUEST');
    const capability = CAPABILITY_FOR_REQUEST[request.method];
    if (capability === undefined) throw new RampartError('RAMPART_METHOD_NOT_FOUND');
    requireClientCapability(owner.call, request.method, request.params);
    await this.authorizer?.serverRequest(owner.call, upstream.name, request.method);
    const params = this.relay(upstream, owner.call, request.method, request.params);
    if (params instanceof RampartError) throw params;
    if (owner.exchange) return owner.exchange.requestInput(request.method, params, signal);
    if (!owner.call.sendRequest) throw new RampartError('RAMPART_MISSING_CLIENT_CAPABILITY');
    return owner.call.sendRequest(request.method, params, signal);
  }

  // ---- internals ----------------------------------------------------------------------------------------

  /**
   * The one screen between an upstream and a client for everything but results: notifications (log messages and
   * progress included), server-to-client requests (also those a modern upstream asks inside a result) and errors.
   */
  private relay<T>(
    upstream: Upstream,
    call: DownstreamCall | undefined,
    method: string,
    message: T,
  ): T | RampartError {
    return this.relayScreen
      ? this.relayScreen.screen(message, { server: upstream.name, method, call })
      : message;
  }

  private ns(upstream: Upstream): Namespacing {
    return this.namespaces.get(upstream)!;
  }

  /** The downstream request a server-to-client message belongs to: exact on HTTP, sole in-flight otherwise. */
  private ownerOf(upstream: Upstream, related: OutgoingCall | undefined): Owner | undefined {
    const call = related ?? upstream.soleInFlight();
    const owner = call?.owner as Owner | undefined;
    return owner && isObject(owner) && 'call' in owner ? owner : undefined;
  }

  private callOptions(
    upstream: Upstream,
    call: DownstreamCall,
    owner: Owner,
    signal: AbortSignal,
  ): CallOptions {
    const token = isObject(call.params?.['_meta']) ? call.params['_meta']['progressToken'] : undefined;
    const hasToken = typeof token === 'string' || typeof token === 'number';
    const screen = (progress: JsonObject) => this.relay(upstream, call, 'notifications/progress', progress);
    return {
      owner,
      signal,
      onProgress: hasToken ? progressForwarder(call, token, screen) : undefined,
      downstream: {
        clientCapabilities: call.clientCapabilities,
        clientInfo: call.clientInfo,
        logLevel: call.logLevel,
      },
      headers: call.paramHeaders,
      credential: { subjectToken: call.subjectToken },
      trace: call.trace.span?.outgoing(),
    };
  }

  private async aggregateList(kind: ListKind, call: DownstreamCall): Promise<JsonObject> {
    let offset = 0;
    const cursor = call.params?.['cursor'];
    if (cursor !== undefined) {
      const payload = typeof cursor === 'string' ? this.options.signer.verify('cursor', cursor) : undefined;
      if (!isObject(payload) || payload['k'] !== kind || typeof payload['o'] !== 'number') {
        throw new RampartError('RAMPART_INVALID_CURSOR');
      }
      offset = payload['o'];
    }
    const all: JsonObject[] = [];
    const results = await Promise.all(
      this.upstreams.map(async (upstream) => {
        // An upstream still making its first connection is waited for (bounded), so a client that connects right
        // after start sees the full catalog; one that is down (restarting) is left out rather than waited for.
        if (upstream.status === 'starting') await upstream.whenReady(call.signal).catch(() => undefined);
        if (upstream.status !== 'ready' || !this.catalog.supports(upstream, kind)) return [];
        try {
          const items = (await this.catalog.list(upstream, kind, call.signal)).map((item) =>
            this.exposeItem(kind, upstream, item),
          );
          return await this.visibleItems(call, kind, upstream, items);
        } catch (err) {
          this.options.log.warn('list from upstream failed; omitted', {
            server: upstream.name,
            method: LIST_METHODS[kind],
            error: err instanceof Error ? err.message : String(err),
          });
          return [];
        }
      }),
    );
    for (const items of results) all.push(...items);
    const size = this.options.listPageSize;
    const page = all.slice(offset, offset + size);
    const result: JsonObject = { [kind]: page };
    if (offset + size < all.length) {
      result['nextCursor'] = this.options.signer.sign('cursor', { k: kind, o: offset + size });
    }
    return result;
  }

  /** The items of one upstream's list the caller may use (the same policies decide their calls). */
  private async visibleItems(
    call: DownstreamCall,
    kind: ListKind,
    upstream: Upstream,
    items: JsonObject[],
  ): Promise<JsonObject[]> {
    const authorizer = this.authorizer;
    if (!authorizer) return items;
    const server = upstream.name;
    const templates = kind === 'resources' ? await this.templatesOf(upstream, call.signal) : [];
    const visible = (item: JsonObject): boolean => {
      switch (kind) {
        case 'tools':
        case 'prompts':
          return authorizer.visible(call, {
            kind: kind === 'tools' ? 'tool' : 'prompt',
            server,
            exposedName: String(item['name']),
            item,
          });
        case 'resources': {
          const uri = String(item['uri']);
          const own = ownUri(this.ns(upstream), uri) ?? uri;
          return authorizer.visible(call, {
            kind: 'resource',
            server,
            uri,
            upstreamUri: own,
            mimeType: typeof item['mimeType'] === 'string' ? item['mimeType'] : undefined,
            templates: templates.filter((t) => matchesTemplate(own, t.own)),
          });
        }
        case 'resourceTemplates': {
          const uriTemplate = String(item['uriTemplate']);
          return authorizer.visible(call, {
            kind: 'resourceTemplate',
            server,
            uriTemplate,
            upstreamUriTemplate: ownUri(this.ns(upstream), uriTemplate) ?? uriTemplate,
          });
        }
        default:
          return false;
      }
    };
    // A principal's first list plans one shape per item (milliseconds each): yield between slices of that work so
    // one large catalog never holds up every other request.
    const kept: JsonObject[] = [];
    let slice = performance.now();
    for (const item of items) {
      if (visible(item)) kept.push(item);
      if (performance.now() - slice > LIST_FILTER_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        if (call.signal.aborted) throw new RampartError('RAMPART_CANCELLED');
        slice = performance.now();
      }
    }
    return kept;
  }

  /**
   * The upstream's resource templates, as it names them and as clients see them. Matching uses the upstream's own
   * URIs: in an exposed URI the upstream's `/` is percent-encoded, so `{name}` would match across segments.
   */
  private async templatesOf(
    upstream: Upstream,
    signal: AbortSignal,
  ): Promise<{ own: string; exposed: string }[]> {
    if (!this.catalog.supports(upstream, 'resourceTemplates')) return [];
    try {
      const templates = await this.catalog.list(upstream, 'resourceTemplates', signal);
      return templates.map((t) => {
        const own = String(t['uriTemplate']);
        return { own, exposed: exposeUri(this.ns(upstream), own) };
      });
    } catch {
      return [];
    }
  }

  /**
   * True when a modern client's retry continues a call Rampart parked while a legacy upstream asked for input:
   * that call was authorized (and approved) when it began, so it is not held again.
   */
  continuesParkedCall(params: JsonObject | undefined): boolean {
    return this.bridge.holds(params);
  }

  /** The resource an exposed URI names, as policies see it; undefined when no upstream serves it. */
  async resourceTargetOf(exposedUri: string, signal: AbortSignal): Promise<CallTarget | undefined> {
    const found = this.tryResolveUri(exposedUri);
    return found ? this.resourceTarget(found.upstream, exposedUri, signal) : undefined;
  }

  /** A resource as policies see it: its exposed URI, its server and the templates it matches. */
  private async resourceTarget(
    upstream: Upstream,
    exposedUri: string,
    signal: AbortSignal,
  ): Promise<CallTarget> {
    const own = ownUri(this.ns(upstream), exposedUri) ?? exposedUri;
    const templates = (await this.templatesOf(upstream, signal)).filter((t) => matchesTemplate(own, t.own));
    let mimeType: string | undefined;
    let listed = false;
    if (this.catalog.supports(upstream, 'resources')) {
      const resources = await this.catalog.list(upstream, 'resources', signal).catch(() => []);
      const item = resources.find((r) => r['uri'] === own);
      listed = item !== undefined;
      if (item && typeof item['mimeType'] === 'string') mimeType = item['mimeType'];
    }
    if (templates.length === 0 && !listed) {
      // Served only through a template the quarantine holds back: refused, as a held tool's call is.
      const held = this.integrity?.templateRefusal(upstream.name, (template) =>
        matchesTemplate(own, template),
      );
      if (held) throw held;
    }
    return {
      kind: 'resource',
      server: upstream.name,
      uri: exposedUri,
      upstreamUri: own,
      mimeType,
      templates,
    };
  }

  /** What a completion refers to: a prompt, a resource template (when the URI is one) or a resource. */
  private async completionTarget(upstream: Upstream, call: DownstreamCall): Promise<CallTarget> {
    const ref = call.params?.['ref'] as JsonObject;
    if (ref['type'] === 'ref/prompt') {
      const exposedName = String(ref['name']);
      return {
        kind: 'prompt',
        server: upstream.name,
        exposedName,
        item: { name: ownName(this.ns(upstream), exposedName) ?? exposedName },
      };
    }
    const uri = String(ref['uri']);
    const template = (await this.templatesOf(upstream, call.signal)).find((t) => t.exposed === uri);
    if (template) {
      return {
        kind: 'resourceTemplate',
        server: upstream.name,
        uriTemplate: uri,
        upstreamUriTemplate: template.own,
      };
    }
    return this.resourceTarget(upstream, uri, call.signal);
  }

  private exposeItem(kind: ListKind, upstream: Upstream, item: JsonObject): JsonObject {
    const ns = this.ns(upstream);
    if (kind === 'tools' || kind === 'prompts')
      return { ...item, name: exposeName(ns, String(item['name'])) };
    if (kind === 'resources') return { ...item, uri: exposeUri(ns, String(item['uri'])) };
    return { ...item, uriTemplate: exposeUri(ns, String(item['uriTemplate'])) };
  }

  /** Finds the upstream and own name of a tool or prompt; only listed names are routable. */
  private async resolveNamed(kind: 'tools' | 'prompts', call: DownstreamCall): Promise<Route> {
    const exposed = call.params?.['name'];
    const code = kind === 'tools' ? 'RAMPART_UNKNOWN_TOOL' : 'RAMPART_UNKNOWN_PROMPT';
    if (typeof exposed !== 'string')
      throw new RampartError('RAMPART_INVALID_PARAMS', 'params.name must be a string.');
    for (const upstream of this.upstreams) {
      const own = ownName(this.ns(upstream), exposed);
      if (own === undefined) continue;
      if (upstream.status !== 'ready') {
        if (this.ns(upstream).namespace === '') continue;
        await upstream.whenReady(call.signal); // a restarting child gets its connect timeout to come back
      }
      const item = await this.listedItem(upstream, kind, own, call);
      if (item) {
        if (kind === 'tools' && call.era === 'modern') this.checkParamHeaders(call, item);
        if (kind === 'tools' && isObject(item['annotations'])) call.trace.annotations = item['annotations'];
        call.trace.target = {
          kind: kind === 'tools' ? 'tool' : 'prompt',
          server: upstream.name,
          exposedName: exposed,
          item,
        };
        return { upstream, rewrite: (params) => ({ ...params, name: own }) };
      }
    }
    for (const upstream of this.upstreams) {
      const own = ownName(this.ns(upstream), exposed);
      const held = own === undefined ? undefined : this.integrity?.refusal(upstream.name, kind, own);
      if (held) throw held;
    }
    throw new RampartError(code, `Unknown ${kind === 'tools' ? 'tool' : 'prompt'}: ${exposed}`);
  }

  private async listedItem(
    upstream: Upstream,
    kind: 'tools' | 'prompts',
    own: string,
    call: DownstreamCall,
  ): Promise<JsonObject | undefined> {
    if (!this.catalog.supports(upstream, kind)) return undefined;
    const find = async () =>
      (await this.catalog.list(upstream, kind, call.signal)).find((i) => i['name'] === own);
    const found = await find();
    if (found) return found;
    this.catalog.invalidate(upstream, kind); // a tool added since the last list may not be cached yet
    return find();
  }

  /** Mcp-Param-* headers must agree with the x-mcp-header arguments Rampart is about to forward. */
  private checkParamHeaders(call: DownstreamCall, tool: JsonObject): void {
    const args = isObject(call.params?.['arguments']) ? call.params['arguments'] : undefined;
    const problem = paramHeaderMismatch(tool['inputSchema'], args, call.paramHeaders);
    if (problem) throw new RampartError('RAMPART_HEADER_MISMATCH', problem);
  }

  private tryResolveUri(exposed: string): { upstream: Upstream; own: string } | undefined {
    const namespace = uriNamespace(exposed);
    for (const upstream of this.upstreams) {
      const ns = this.ns(upstream);
      if (namespace !== undefined && ns.namespace !== namespace) continue;
      if (!isObject(upstream.capabilities['resources']) && upstream.status === 'ready') continue;
      const own = ownUri(ns, exposed);
      if (own !== undefined) return { upstream, own };
    }
    return undefined;
  }

  private resolveUri(call: DownstreamCall, field: 'uri'): Route {
    const exposed = call.params?.[field];
    if (typeof exposed !== 'string')
      throw new RampartError('RAMPART_INVALID_PARAMS', 'params.uri must be a string.');
    const route = this.tryResolveUri(exposed);
    if (!route) throw new RampartError('RAMPART_UNKNOWN_RESOURCE', `Unknown resource: ${exposed}`);
    return { upstream: route.upstream, rewrite: (params) => ({ ...params, [field]: route.own }) };
  }

  private resolveCompletion(call: DownstreamCall): Route {
    const ref = call.params?.['ref'];
    if (!isObject(ref)) throw new RampartError('RAMPART_INVALID_PARAMS', 'params.ref must be an object.');
    if (ref['type'] === 'ref/prompt' && typeof ref['name'] === 'string') {
      for (const upstream of this.upstreams) {
        const own = ownName(this.ns(upstream), ref['name']);
        if (own !== undefined && isObject(upstream.capabilities['completions'])) {
          return { upstream, rewrite: (params) => ({ ...params, ref: { ...ref, name: own } }) };
        }
      }
      throw new RampartError('RAMPART_UNKNOWN_PROMPT');
    }
    if (ref['type'] === 'ref/resource' && typeof ref['uri'] === 'string') {
      const route = this.tryResolveUri(ref['uri']);
      if (!route) throw new RampartError('RAMPART_UNKNOWN_RESOURCE');
      return {
        upstream: route.upstream,
        rewrite: (params) => ({ ...params, ref: { ...ref, uri: route.own } }),
      };
    }
    throw new RampartError('RAMPART_INVALID_PARAMS', 'Unsupported completion reference.');
  }

  /**
   * Task ids are handed to clients as signed tokens naming the upstream, so tasks/get|update|cancel route to the
   * server that created the task and a client can neither guess nor redirect another client's task.
   */
  private resolveTask(call: DownstreamCall): Route {
    const extensions = call.clientCapabilities['extensions'];
    if (!isObject(extensions) || !isObject(extensions[TASKS_EXTENSION])) {
      throw new RampartError(
        'RAMPART_MISSING_CLIENT_CAPABILITY',
        'The client did not declare the tasks extension.',
        {
          requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
        },
      );
    }
    const token = call.params?.['taskId'];
    const payload = typeof token === 'string' ? this.options.signer.verify('task', token) : undefined;
    if (
      !isObject(payload) ||
      typeof payload['u'] !== 'string' ||
      typeof payload['t'] !== 'string' ||
      payload['b'] !== this.bindingOf(call)
    ) {
      throw new RampartError('RAMPART_INVALID_PARAMS', `Unknown task: ${String(token)}`, { taskId: token });
    }
    const upstream = this.upstreams.find((u) => u.name === payload['u']);
    if (!upstream) throw new RampartError('RAMPART_INVALID_PARAMS', 'Unknown task.');
    return { upstream, rewrite: (params) => ({ ...params, taskId: payload['t'] }) };
  }

  /** Who may resume MRTR state or use a task id: the principal, else the legacy session. */
  private bindingOf(call: DownstreamCall): string {
    return call.principal ? principalKey(call.principal) : (call.sessionId ?? 'anonymous');
  }

  private exposeTaskId(call: DownstreamCall, upstream: Upstream, result: JsonObject): JsonObject {
    const taskId = result['taskId'];
    if (typeof taskId !== 'string') return result;
    return {
      ...result,
      taskId: this.options.signer.sign('task', { u: upstream.name, t: taskId, b: this.bindingOf(call) }),
    };
  }

  /** Forwards to one upstream, bridging eras for server-to-client input in both directions. */
  private async routed(call: DownstreamCall, route: Route): Promise<JsonObject> {
    const { upstream } = route;
    if (call.era === 'modern' && upstream.era === 'legacy') {
      // requestState is bound to the caller: another principal cannot resume this exchange.
      const binding = this.bindingOf(call);
      if (this.bridge.isOwnState(call.params)) return this.bridge.resume(call.params!, call.signal, binding);
      return this.bridge.begin(
        (exchange) =>
          upstream
            .request(
              call.method,
              route.rewrite(call.params),
              this.callOptions(upstream, call, { call, exchange }, exchange.controller.signal),
            )
            .then(
              (result) => this.mapResult(call, upstream, result),
              (err: unknown) => {
                throw this.mapError(call, upstream, err);
              },
            ),
        call.signal,
        binding,
      );
    }
    const owner: Owner = { call, exchange: undefined };
    let params = route.rewrite(call.params);
    for (let round = 0; ; round++) {
      let result: JsonObject;
      try {
        result = await upstream.request(
          call.method,
          params,
          this.callOptions(upstream, call, owner, call.signal),
        );
      } catch (err) {
        throw this.mapError(call, upstream, err);
      }
      const mapped = this.mapResult(call, upstream, result);
      if (result['resultType'] === 'input_required')
        await this.authorizeInputRequests(call, upstream, result);
      if (result['resultType'] !== 'input_required' || call.era === 'modern') return mapped;
      // A modern upstream asks a legacy client: ask it over its stream, then retry upstream (MRTR client role).
      if (round >= MAX_INPUT_ROUNDS)
        throw new RampartError('RAMPART_UPSTREAM_PROTOCOL', 'Too many input rounds.');
      params = await this.answerInputRequests(upstream, call, route.rewrite(call.params), result);
    }
  }

  /**
   * A modern upstream asks for client input inside its result (MRTR): each request is decided like a
   * server-to-client request, whether Rampart asks a legacy client or passes it through to a modern one.
   */
  private async authorizeInputRequests(
    call: DownstreamCall,
    upstream: Upstream,
    result: JsonObject,
  ): Promise<void> {
    const authorizer = this.authorizer;
    const requests = result['inputRequests'];
    if (!authorizer || !isObject(requests)) return;
    for (const value of Object.values(requests)) {
      const method = isObject(value) ? value['method'] : undefined;
      if (typeof method !== 'string' || CAPABILITY_FOR_REQUEST[method] === undefined) {
        throw new RampartError('RAMPART_UPSTREAM_PROTOCOL', 'Unknown input request.');
      }
      await authorizer.serverRequest(call, upstream.name, method);
    }
  }

  private async answerInputRequests(
    upstream: Upstream,
    call: DownstreamCall,
    base: JsonObject | undefined,
    result: JsonObject,
  ): Promise<JsonObject> {
    const requests = isObject(result['inputRequests']) ? result['inputRequests'] : {};
    const responses: JsonObject = {};
    for (const [key, value] of Object.entries(requests)) {
      if (!isObject(value) || typeof value['method'] !== 'string') continue;
      const params = this.relay(
        upstream,
        call,
        value['method'],
        isObject(value['params']) ? value['params'] : undefined,
      );
      if (params instanceof RampartError) throw params;
      requireClientCapability(call, value['method'], params);
      if (!call.sendRequest) throw new RampartError('RAMPART_MISSING_CLIENT_CAPABILITY');
      responses[key] = await call.sendRequest(value['method'], params, call.signal);
    }
    const next: JsonObject = { ...base, inputResponses: responses };
    if (typeof result['requestState'] === 'string') next['requestState'] = result['requestState'];
    return next;
  }

  /** Maps names inside results that clients may use again (resource links) to exposed names. */
  private mapResult(call: DownstreamCall, upstream: Upstream, raw: JsonObject): JsonObject {
    const shaped = call.era === 'legacy' && upstream.era === 'modern' ? legacyShape(raw) : raw;
    const result = call.era === 'modern' ? this.exposeTaskId(call, upstream, shaped) : shaped;
    const ns = this.ns(upstream);
    if (ns.namespace === '') return result;
    const uri = (value: unknown) => (typeof value === 'string' ? exposeUri(ns, value) : value);
    // Every URI a client may use again must be the exposed one, or reading it back would not route.
    const content = (item: unknown): unknown => {
      if (!isObject(item)) return item;
      if (item['type'] === 'resource_link') return { ...item, uri: uri(item['uri']) };
      if (item['type'] === 'resource' && isObject(item['resource'])) {
        return { ...item, resource: { ...item['resource'], uri: uri(item['resource']['uri']) } };
      }
      return item;
    };
    const mapped: JsonObject = { ...result };
    if (Array.isArray(result['content'])) mapped['content'] = result['content'].map(content);
    if (call.method === 'resources/read' && Array.isArray(result['contents'])) {
      mapped['contents'] = result['contents'].map((c: unknown) =>
        isObject(c) ? { ...c, uri: uri(c['uri']) } : c,
      );
    }
    if (call.method === 'prompts/get' && Array.isArray(result['messages'])) {
      mapped['messages'] = result['messages'].map((m: unknown) =>
        isObject(m) ? { ...m, content: content(m['content']) } : m,
      );
    }
    return mapped;
  }

  /**
   * An upstream's error as this client may see it: URIs in `data` exposed, and the pre-2026 "resource not found"
   * code (-32002) replaced by -32602 for modern clients, which must not receive it.
   */
  private mapError(call: DownstreamCall, upstream: Upstream, err: unknown): unknown {
    if (!(err instanceof PeerError)) return err;
    const screened = this.relay(upstream, call, call.method, err.error);
    if (screened instanceof RampartError) return screened;
    const error = { ...screened };
    if (call.era === 'modern' && error.code === -32002) error.code = -32602;
    const ns = this.ns(upstream);
    if (ns.namespace !== '' && isObject(error.data) && typeof error.data['uri'] === 'string') {
      error.data = { ...error.data, uri: exposeUri(ns, error.data['uri']) };
    }
    return new PeerError(error);
  }

  private async subscription(call: DownstreamCall): Promise<JsonObject> {
    const uri = call.params?.['uri'];
    if (typeof uri !== 'string')
      throw new RampartError('RAMPART_INVALID_PARAMS', 'params.uri must be a string.');
    if (call.method === 'resources/subscribe') await this.acquireSubscription(uri);
    else this.releaseSubscription(uri);
    return {};
  }

  private async changeSubscription(upstream: Upstream, own: string, delta: number): Promise<void> {
    const key = `${upstream.name}\u0000${own}`;
    const before = this.subscriptions.get(key) ?? 0;
    const after = Math.max(0, before + delta);
    if (after === 0) this.subscriptions.delete(key);
    else this.subscriptions.set(key, after);
    if (upstream.era === 'modern') {
      // Modern upstreams have no resources/subscribe: their listen stream names the watched URIs.
      if ((before === 0) !== (after === 0)) await upstream.watchResources(this.watchedUris(upstream));
      return;
    }
    if (before === 0 && after > 0) {
      try {
        await this.sendSubscribe(upstream, own, 'resources/subscribe');
      } catch (err) {
        // The upstream refused: undo this reference so the next subscriber asks again.
        const current = this.subscriptions.get(key) ?? 0;
        if (current <= 1) this.subscriptions.delete(key);
        else this.subscriptions.set(key, current - 1);
        throw err;
      }
    }
    if (before > 0 && after === 0)
      await this.sendSubscribe(upstream, own, 'resources/unsubscribe').catch(() => undefined);
  }

  private watchedUris(upstream: Upstream): string[] {
    const prefix = `${upstream.name}\u0000`;
    return [...this.subscriptions.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length));
  }

  private async sendSubscribe(upstream: Upstream, own: string, method: string): Promise<void> {
    const resources = upstream.capabilities['resources'];
    if (!isObject(resources) || resources['subscribe'] !== true || upstream.era !== 'legacy') return;
    await upstream.request(
      method,
      { uri: own },
      {
        owner: undefined,
        signal: AbortSignal.timeout(upstream.config.timeouts.requestMs),
        onProgress: undefined,
        downstream: { clientCapabilities: {}, clientInfo: undefined, logLevel: undefined },
      },
    );
  }

  private setLogLevel(call: DownstreamCall): JsonObject {
    const level = call.params?.['level'];
    if (!isLogLevel(level)) throw new RampartError('RAMPART_INVALID_PARAMS', 'Unknown log level.');
    if (call.sessionId !== undefined) this.sessionLogLevels.set(call.sessionId, level);
    this.pushLogLevel();
    return {};
  }

  /** A shared legacy upstream gets the most verbose level any session asked for; sessions filter their own. */
  private pushLogLevel(): void {
    const order = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
    let lowest: string | undefined;
    for (const level of this.sessionLogLevels.values()) {
      if (lowest === undefined || order.indexOf(level) < order.indexOf(lowest)) lowest = level;
    }
    if (lowest === undefined) return;
    for (const upstream of this.upstreams) {
      if (
        upstream.status !== 'ready' ||
        upstream.era !== 'legacy' ||
        !isObject(upstream.capabilities['logging'])
      )
        continue;
      void upstream
        .request(
          'logging/setLevel',
          { level: lowest },
          {
            owner: undefined,
            signal: AbortSignal.timeout(upstream.config.timeouts.requestMs),
            onProgress: undefined,
            downstream: { clientCapabilities: {}, clientInfo: undefined, logLevel: undefined },
          },
        )
        .catch(() => undefined);
    }
  }
}

/**
 * Progress goes back with the client's own token, rate-limited (an upstream can emit thousands per second; the
 * spec's gateway MUST-list asks to limit them). Skipped intermediate values keep the sequence increasing.
 */
function progressForwarder(
  call: DownstreamCall,
  token: string | number,
  screen: (progress: JsonObject) => JsonObject | RampartError,
): (progress: JsonObject) => void {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (now - last < MIN_PROGRESS_INTERVAL_MS) return;
    last = now;
    // Screened after the rate limit: what is dropped anyway is not scanned.
    const screened = screen(progress);
    if (screened instanceof RampartError) return;
    call.notify({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { ...screened, progressToken: token },
    });
  };
}

/** A modern upstream's result as a legacy client expects it: without the 2026-07-28-only fields. */
function legacyShape(result: JsonObject): JsonObject {
  const { resultType: _type, ttlMs: _ttl, cacheScope: _scope, ...rest } = result;
  if (!isObject(rest['_meta'])) return rest;
  const { [META_SERVER_INFO]: _info, ...meta } = rest['_meta'];
  if (Object.keys(meta).length === 0) {
    const { _meta: _dropped, ...bare } = rest;
    return bare;
  }
  return { ...rest, _meta: meta };
}

interface Route {
  upstream: Upstream;
  /** The params as the upstream must see them (its own names), applied to what the request guards let through. */
  rewrite: (params: JsonObject | undefined) => JsonObject | undefined;
}

/** Sends a routed request with the params that passed the request guards. */
export type Forward = (params: JsonObject | undefined) => Promise<JsonObject>;

/** Server-to-client requests go only to clients that declared the capability (and the mode, for elicitation). */
function requireClientCapability(call: DownstreamCall, method: string, params: JsonObject | undefined): void {
  const capability = CAPABILITY_FOR_REQUEST[method];
  if (capability === undefined) throw new RampartError('RAMPART_METHOD_NOT_FOUND');
  const declared = call.clientCapabilities[capability];
  if (!isObject(declared)) {
    throw new RampartError('RAMPART_MISSING_CLIENT_CAPABILITY', `The client did not declare ${capability}.`);
  }
  if (capability === 'elicitation') {
    const mode = params?.['mode'] === 'url' ? 'url' : 'form';
    const modes = Object.keys(declared).filter((k) => k === 'form' || k === 'url');
    if (modes.length > 0 ? !modes.includes(mode) : mode !== 'form') {
      throw new RampartError(
        'RAMPART_MISSING_CLIENT_CAPABILITY',
        `The client did not declare elicitation.${mode}.`,
      );
    }
  }
  if (capability === 'sampling' && params?.['tools'] !== undefined && !isObject(declared['tools'])) {
    throw new RampartError('RAMPART_MISSING_CLIENT_CAPABILITY', 'The client did not declare sampling.tools.');
  }
}
