// One configured upstream server: connects (spawn or URL), finds its era once and caches it, performs the
// handshake, supervises the connection (restart with exponential backoff) and adapts each request to its era.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ServerConfig } from '../config/schema.ts';
import { isPackageServer, isStdioServer } from '../config/schema.ts';
import { tofuEnabled } from '../config/server-tls-schema.ts';
import {
  isObject,
  type JsonObject,
  type JsonRpcNotification,
  type JsonRpcRequest,
  PeerError,
} from '../core/jsonrpc.ts';
import {
  type Era,
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  META_SERVER_INFO,
  META_SUBSCRIPTION_ID,
  MODERN_META_KEYS,
  MODERN_VERSION,
  RAMPART_INFO,
} from '../core/protocol.ts';
import { RampartError } from '../errors.ts';
import type { CacheEntry } from '../integrity/provenance/package-cache.ts';
import { packageCommand } from '../integrity/provenance/package-launch.ts';
import type { PackageVerification } from '../integrity/provenance/types.ts';
import { PIN_PREFIX } from '../integrity/spki.ts';
import type { Logger } from '../monitor/logger.ts';
import { type TraceHeaders, withTraceMeta } from '../monitor/traceparent.ts';
import { EGRESS_SOCKET_NAME, type EgressAttempt, EgressProxy } from '../sandbox/egress-proxy.ts';
import { sandboxCommand } from '../sandbox/sandbox-command.ts';
import { type CredentialDeps, createCredentialProvider } from './credentials/index.ts';
import type { CredentialContext, CredentialProvider } from './credentials/provider.ts';
import { StreamableHttpTransport } from './http-transport.ts';
import { identityFromConfig } from './identity-connector.ts';
import { PeerKeyTracker } from './peer-key-tracker.ts';
import { resolveCommand } from './resolve-command.ts';
import { type OutgoingCall, RpcPeer } from './rpc-peer.ts';
import { LegacySseTransport } from './sse-transport.ts';
import { StdioTransport } from './stdio-transport.ts';
import type { MessageTransport } from './transport.ts';

/** Capabilities Rampart declares to legacy upstreams: everything it can route to some client. */
const LEGACY_CLIENT_CAPABILITIES = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

export type UpstreamStatus = 'starting' | 'ready' | 'down' | 'closed';

export interface UpstreamListener {
  onServerRequest(
    upstream: Upstream,
    request: JsonRpcRequest,
    related: OutgoingCall | undefined,
    signal: AbortSignal,
  ): Promise<JsonObject>;
  onNotification(
    upstream: Upstream,
    notification: JsonRpcNotification,
    related: OutgoingCall | undefined,
  ): void;
  onConnected(upstream: Upstream): void;
  /** A new stdio child replaced the running one without an outage (see `Upstream.rollover`). */
  onRolledOver?(upstream: Upstream): void;
  /** A new connection presented a different TLS key than the one before it (see `Upstream.tlsSpki`). */
  onTlsKeyChanged?(upstream: Upstream, previous: string, current: string): void;
  /** Whether a new connection may use this TLS key (a key other than the approved one is held for review). */
  tlsKeyAllowed?(upstream: Upstream, spki: string): boolean;
}

/** What confining a stdio child needs from the runtime (src/sandbox). */
export interface SandboxDeps {
  /** Host paths never visible inside a sandbox (Rampart's state directory, key files). */
  readonly hidden: readonly string[];
  /** Every connection a sandboxed server attempts through its egress proxy (for the audit log). */
  readonly onEgress: (attempt: EgressAttempt) => void;
}

/** What the downstream request contributes to the upstream request (modern upstreams take it per request). */
export interface DownstreamContext {
  clientCapabilities: JsonObject;
  clientInfo: JsonObject | undefined;
  logLevel: string | undefined;
}

export interface CallOptions {
  owner: unknown;
  signal: AbortSignal;
  onProgress: ((params: JsonObject) => void) | undefined;
  downstream: DownstreamContext;
  headers?: Readonly<Record<string, string>>;
  credential?: CredentialContext;
  /** W3C trace context for this call: `traceparent` headers to HTTP upstreams and `_meta` to every upstream. */
  trace?: TraceHeaders | undefined;
}

export class Upstream {
  readonly name: string;
  readonly config: ServerConfig;
  status: UpstreamStatus = 'starting';
  era: Era | undefined;
  protocolVersion: string | undefined;
  capabilities: JsonObject = {};
  serverInfo: JsonObject | undefined;
  instructions: string | undefined;
  /** The stdio child's pid, for tests and supervision reports. */
  pid: number | undefined;
  restarts = 0;
  /** A `package` server's verified npm package in the cache, set before start() (src/integrity/provenance). */
  preparedPackage: CacheEntry | undefined;

  private readonly log: Logger;
  private readonly listener: UpstreamListener;
  private readonly baseDir: string;
  private peer: RpcPeer | undefined;
  private transport: MessageTransport | undefined;
  private waiters: Array<() => void> = [];
  private backoffMs: number;
  private connectedAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly credentials: CredentialProvider | undefined;
  /** The TLS keys this upstream presented, across connections and reconnects (HTTP upstreams only). */
  private readonly tlsKeys: PeerKeyTracker | undefined;
  /** Why the last connect failed, when the upstream could not prove its identity or be confined: callers get it at once. */
  private identityError: RampartError | undefined;
  /** Modern upstreams deliver change notifications only on a subscriptions/listen stream Rampart keeps open. */
  private listen: AbortController | undefined;
  private listenAck: { id: number | undefined; resolve: () => void } | undefined;
  private watchedUris: string[] = [];
  private readonly sandboxDeps: SandboxDeps;
  /** A sandboxed server's egress proxy, started with its first child and kept across restarts. */
  private egressProxy: EgressProxy | undefined;
  /** Digest of the environment the running stdio child was started with (to tell whether a rollover is due). */
  private spawnedEnv: string | undefined;
  /** Replaced children finishing the requests they had in flight. */
  private readonly draining = new Set<RpcPeer>();
  private rolloverWanted = false;
  private rolling: Promise<void> | undefined;

  constructor(
    config: ServerConfig,
    baseDir: string,
    log: Logger,
    listener: UpstreamListener,
    credentialDeps: CredentialDeps = {},
    sandboxDeps: SandboxDeps = { hidden: [], onEgress: () => undefined },
  ) {
    this.name = config.name;
    this.sandboxDeps = sandboxDeps;
    this.config = config;
    this.baseDir = baseDir;
    this.log = log.child({ server: config.name });
    this.listener = listener;
    this.era = config.era === 'auto' ? undefined : config.era;
    this.backoffMs = isStdioServer(config) ? config.restart.initialDelayMs : 250;
    this.credentials = isStdioServer(config)
      ? undefined
      : createCredentialProvider(config.credentials, config.url, baseDir, {
          ...credentialDeps,
          log: this.log,
        });
    this.tlsKeys = isStdioServer(config)
      ? undefined
      : new PeerKeyTracker((previous, current) => {
          const fields = { previous: `${PIN_PREFIX}${previous}`, spki: `${PIN_PREFIX}${current}` };
          // Under first-use pinning a new key is an identity change; with explicit pins it is a planned rotation.
          if (tofuEnabled(config.tls)) this.log.warn('upstream presented a new TLS key', fields);
          else this.log.info('upstream presented another pinned TLS key', fields);
          this.listener.onTlsKeyChanged?.(this, previous, current);
        });
  }

  /** SPKI pin (base64 SHA-256) of the TLS key the latest connection presented; undefined before one, or for http. */
  get tlsSpki(): string | undefined {
    return this.tlsKeys?.current;
  }

  /** True once a connection presented a different TLS key than the first one seen (or the last `acceptTlsKey`). */
  get identityChanged(): boolean {
    return this.tlsKeys?.changed ?? false;
  }

  /** Makes the current TLS key the baseline for `identityChanged` (after an operator approved it). */
  acceptTlsKey(): void {
    this.tlsKeys?.rebase();
  }

  /** What verifying a `package` server's npm package established (signature, provenance, facts, findings). */
  get packageProvenance(): PackageVerification | undefined {
    return this.preparedPackage?.verification;
  }

  start(): void {
    void this.connect();
  }

  /** Sends one request, waiting (bounded) for the connection, and adapting `_meta` to the upstream's era. */
  async request(method: string, params: JsonObject | undefined, options: CallOptions): Promise<JsonObject> {
    await this.whenReady(options.signal);
    const peer = this.peer!;
    const trace = options.trace;
    // `_meta` carries the context on stdio (no headers there); a caller's own traceparent in `_meta` is replaced
    // or removed either way, so no upstream sees a parent that skips Rampart.
    const sent = withTraceMeta(this.adaptParams(params, options.downstream), trace);
    return peer.request(method, sent, {
      timeoutMs: this.config.timeouts.requestMs,
      maxTotalMs: this.config.timeouts.maxTotalMs,
      signal: options.signal,
      onProgress: options.onProgress,
      owner: options.owner,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(trace ? { trace } : {}),
      ...(options.credential ? { credential: options.credential } : {}),
    });
  }

  notify(method: string, params?: JsonObject): void {
    if (this.status === 'ready') void this.peer?.notify(method, params);
  }

  /** The sole in-flight request, used to attribute traffic on wires without correlation (stdio, SSE). */
  soleInFlight(): OutgoingCall | undefined {
    // A child being replaced still counts: with calls on both children, nothing is attributed by guess.
    const busy = [this.peer, ...this.draining].filter((p) => p !== undefined && p.inFlight > 0);
    return busy.length === 1 ? busy[0]!.soleInFlight() : undefined;
  }

  /**
   * Replaces the running stdio child by one started with the environment as it reads now (a `${vault:NAME}` it
   * refers to was rotated). The new child completes its handshake while the old one keeps serving; then new
   * requests go to the new child, and the old one is closed once its calls in flight are done (bounded by the
   * request timeouts). A failed start leaves the old child in place. Concurrent calls coalesce; one asked for
   * while the upstream is not ready runs once it is.
   */
  rollover(): Promise<void> {
    if (!isStdioServer(this.config) || this.status === 'closed') return Promise.resolve();
    this.rolloverWanted = true;
    if (this.status !== 'ready') return Promise.resolve();
    this.rolling ??= this.runRollovers().finally(() => {
      this.rolling = undefined;
    });
    return this.rolling;
  }

  private async runRollovers(): Promise<void> {
    while (this.rolloverWanted && this.status === 'ready') {
      this.rolloverWanted = false;
      await this.rollOnce();
    }
  }

  private async rollOnce(): Promise<void> {
    const old = this.peer;
    const era = this.era;
    if (!old || !era) return;
    let env: string;
    let next: { transport: MessageTransport; peer: RpcPeer } | undefined;
    try {
      env = this.envDigest();
      if (env === this.spawnedEnv) return;
      next = this.newPeer(era);
      await next.peer.start();
      if (era === 'modern') await this.discover(next.peer);
      else await this.initializeLegacy(next.peer);
    } catch (err) {
      await next?.peer.close().catch(() => undefined);
      if ((this.status as UpstreamStatus) === 'closed') return;
      this.log.warn('upstream rollover failed; the running child keeps its environment', {
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    if (this.status !== 'ready' || this.peer !== old) {
      // Closed, or the old child died meanwhile and a reconnect (with the new environment) took over.
      await next.peer.close().catch(() => undefined);
      return;
    }
    const previousPid = this.pid;
    this.peer = next.peer;
    this.transport = next.transport;
    this.spawnedEnv = env;
    if (next.transport instanceof StdioTransport) this.pid = next.transport.pid;
    this.log.info('upstream rolled over to a new child', { pid: this.pid, previousPid });
    // A modern upstream's change notifications come on a listen stream, which belonged to the old child.
    this.listen?.abort();
    this.listen = undefined;
    if (this.era === 'modern') void this.openListen();
    this.listener.onRolledOver?.(this);
    void this.drain(old);
  }

  /** Lets a replaced child finish its calls in flight, then closes it. */
  private async drain(peer: RpcPeer): Promise<void> {
    this.draining.add(peer);
    const { requestMs, maxTotalMs } = this.config.timeouts;
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxTotalMs > 0 ? maxTotalMs : requestMs);
      timer.unref();
    });
    await Promise.race([peer.whenIdle(), bounded]);
    clearTimeout(timer);
    this.draining.delete(peer);
    await peer.close().catch(() => undefined);
  }

  /** What the stdio child's environment reads now, as a digest (references resolve on every read). */
  private envDigest(): string {
    const env = isStdioServer(this.config) ? (this.config.env ?? {}) : {};
    return createHash('sha256').update(JSON.stringify(env)).digest('base64url');
  }

  /**
   * Sets the upstream resource URIs to watch; a modern upstream gets a new listen stream with that set. Resolves
   * once the upstream acknowledged it (so updates flow when a subscribe returns), or after a bounded wait.
   */
  watchResources(uris: string[]): Promise<void> {
    this.watchedUris = uris;
    if (this.era !== 'modern' || this.status !== 'ready') return Promise.resolve();
    this.listen?.abort();
    this.listen = undefined;
    return this.openListen();
  }

  private openListen(): Promise<void> {
    if (this.era !== 'modern' || this.status !== 'ready' || !this.peer) return Promise.resolve();
    const caps = this.capabilities;
    const resources = isObject(caps['resources']) ? caps['resources'] : undefined;
    const notifications: JsonObject = {};
    if (isObject(caps['tools'])) notifications['toolsListChanged'] = true;
    if (isObject(caps['prompts'])) notifications['promptsListChanged'] = true;
    if (resources) notifications['resourcesListChanged'] = true;
    if (resources?.['subscribe'] === true && this.watchedUris.length > 0) {
      notifications['resourceSubscriptions'] = [...this.watchedUris];
    }
    if (Object.keys(notifications).length === 0) return Promise.resolve();
    const controller = new AbortController();
    this.listen = controller;
    const opened = Date.now();
    const acknowledged = new Promise<void>((resolve) => {
      this.listenAck = { id: undefined, resolve };
      setTimeout(resolve, 5_000).unref();
    });
    const ack = this.listenAck!;
    this.peer
      .request(
        'subscriptions/listen',
        { ...discoverParams(), notifications },
        {
          timeoutMs: 0,
          maxTotalMs: 0,
          background: true,
          signal: controller.signal,
          onSent: (id) => {
            ack.id = id;
          },
        },
      )
      .catch((err: unknown) => err)
      .then((outcome) => {
        if (this.listen !== controller || this.status !== 'ready') return;
        this.listen = undefined;
        // A refusal that comes at once means the upstream does not support listening: do not hammer it.
        if (outcome instanceof PeerError && Date.now() - opened < 1_000) {
          this.log.warn('upstream refused subscriptions/listen; change notifications unavailable', {
            error: outcome.message,
          });
          return;
        }
        setTimeout(() => void this.openListen(), 1_000).unref();
      });
    return acknowledged;
  }

  async close(): Promise<void> {
    this.listen?.abort();
    this.status = 'closed';
    clearTimeout(this.retryTimer);
    for (const wake of this.waiters.splice(0)) wake();
    await Promise.all([...this.draining].map((p) => p.close().catch(() => undefined)));
    await this.peer?.close();
    await this.egressProxy?.close();
    this.egressProxy = undefined;
  }

  /** Stops a stdio child immediately (used when Rampart must exit now). */
  killNow(): void {
    if (this.transport instanceof StdioTransport) this.transport.killNow();
    for (const peer of this.draining) void peer.close().catch(() => undefined);
  }

  private adaptParams(params: JsonObject | undefined, downstream: DownstreamContext): JsonObject | undefined {
    const meta = isObject(params?.['_meta']) ? { ...params['_meta'] } : undefined;
    if (this.era === 'legacy') {
      if (!meta) return params;
      for (const key of MODERN_META_KEYS) delete meta[key];
      const { _meta: _dropped, ...rest } = params ?? {};
      return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
    }
    const modernMeta: JsonObject = {
      ...meta,
      [META_PROTOCOL_VERSION]: MODERN_VERSION,
      [META_CLIENT_CAPABILITIES]: downstream.clientCapabilities,
      [META_CLIENT_INFO]: downstream.clientInfo ?? { name: RAMPART_INFO.name, version: RAMPART_INFO.version },
    };
    if (downstream.logLevel !== undefined) modernMeta[META_LOG_LEVEL] = downstream.logLevel;
    else delete modernMeta[META_LOG_LEVEL];
    return { ...params, _meta: modernMeta };
  }

  /** Resolves when connected; fails with RAMPART_UPSTREAM_UNAVAILABLE after the connect timeout. */
  whenReady(signal: AbortSignal): Promise<void> {
    if (this.status === 'ready') return Promise.resolve();
    if (this.status === 'closed') return Promise.reject(new RampartError('RAMPART_SHUTTING_DOWN'));
    // Not an outage that waiting may cure: the server failed to prove its identity on the last attempt.
    if (this.status === 'down' && this.identityError) return Promise.reject(this.identityError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `${this.name} is not connected`));
      }, this.config.timeouts.connectMs);
      const onAbort = () => {
        cleanup();
        reject(new RampartError('RAMPART_CANCELLED'));
      };
      const wake = () => {
        cleanup();
        if (this.status === 'ready') resolve();
        else reject(this.identityError ?? new RampartError('RAMPART_SHUTTING_DOWN'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== wake);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  private createTransport(era: Era): MessageTransport {
    const config = this.config;
    if (isStdioServer(config)) {
      const cwd = path.resolve(this.baseDir, config.cwd ?? '.');
      const resolved = isPackageServer(config)
        ? packageCommand(this.preparedPackage, config.args)
        : resolveCommand(config.command!, config.args, cwd);
      if (config.sandbox !== 'off') {
        const confined = sandboxCommand(
          { ...resolved, cwd, env: config.env },
          {
            settings: config.sandbox,
            baseDir: this.baseDir,
            hidden: this.sandboxDeps.hidden,
            processEnv: process.env,
            egress: this.egressProxy && {
              socketDir: this.egressProxy.socketDir,
              socketName: EGRESS_SOCKET_NAME,
            },
            hostUid: process.getuid?.() ?? -1,
          },
        );
        return new StdioTransport(confined, this.log);
      }
      const env: Record<string, string> = {};
      for (const key of INHERITED_ENV) {
        const value = process.env[key];
        if (value !== undefined) env[key] = value;
      }
      Object.assign(env, config.env);
      return new StdioTransport({ ...resolved, cwd, env }, this.log);
    }
    const identity = identityFromConfig(config, this.baseDir, this.tlsKeys!, this.log, (spki) =>
      this.listener.tlsKeyAllowed ? this.listener.tlsKeyAllowed(this, spki) : true,
    );
    if (config.transport === 'sse') {
      return new LegacySseTransport(
        config.url,
        config.headers,
        this.log,
        config.timeouts.connectMs,
        identity,
      );
    }
    return new StreamableHttpTransport({
      url: config.url,
      era,
      headers: config.headers,
      log: this.log,
      credentials: this.credentials,
      identity,
    });
  }

  private async connect(): Promise<void> {
    if (this.status === 'closed') return;
    try {
      const isSse = !isStdioServer(this.config) && this.config.transport === 'sse';
      let era: Era = isSse ? 'legacy' : (this.era ?? 'modern');
      let peer = await this.open(era);
      if (this.era === undefined && !isSse) {
        const verdict = await this.probeModern(peer);
        if (verdict !== 'modern') {
          era = 'legacy';
          // HTTP needs a legacy-shaped transport (sessions); a crashed child needs a new process.
          if (verdict === 'crashed' || !(this.transport instanceof StdioTransport)) {
            await peer.close().catch(() => undefined);
            peer = await this.open(era);
          }
        }
      } else if (era === 'modern') {
        await this.discover(peer);
      }
      this.era = era;
      if (era === 'legacy') await this.initializeLegacy(peer);
      if ((this.status as UpstreamStatus) === 'closed') {
        // close() ran while we were connecting: do not resurrect the upstream (or leave its child behind).
        await peer.close().catch(() => undefined);
        return;
      }
      this.status = 'ready';
      this.identityError = undefined;
      this.connectedAt = Date.now();
      this.log.info('upstream connected', { era, protocolVersion: this.protocolVersion, pid: this.pid });
      for (const wake of this.waiters.splice(0)) wake();
      this.listener.onConnected(this);
      if (this.rolloverWanted) void this.rollover();
    } catch (err) {
      if ((this.status as UpstreamStatus) === 'closed') return;
      this.log.warn('upstream connect failed', { error: err instanceof Error ? err.message : String(err) });
      await this.peer?.close().catch(() => undefined);
      this.scheduleReconnect();
      if (
        err instanceof RampartError &&
        (err.code === 'RAMPART_UPSTREAM_IDENTITY' || err.code === 'RAMPART_SANDBOX_UNAVAILABLE')
      ) {
        this.identityError = err;
        for (const wake of this.waiters.splice(0)) wake();
      } else {
        this.identityError = undefined;
      }
    }
  }

  private async open(era: Era): Promise<RpcPeer> {
    await this.startEgressProxy();
    if (isStdioServer(this.config)) this.spawnedEnv = this.envDigest();
    const { transport, peer } = this.newPeer(era);
    this.transport = transport;
    this.peer = peer;
    await peer.start();
    if (transport instanceof StdioTransport) this.pid = transport.pid;
    return peer;
  }

  /** A transport and its peer, not started. Traffic is attributed to this peer's calls, even once it is replaced. */
  private newPeer(era: Era): { transport: MessageTransport; peer: RpcPeer } {
    const transport = this.createTransport(era);
    const peer: RpcPeer = new RpcPeer(transport, {
      onRequest: (request, related, signal) =>
        this.listener.onServerRequest(this, request, related ?? peer.soleInFlight(), signal),
      onNotification: (notification, related) => {
        if (notification.method === 'notifications/subscriptions/acknowledged') {
          const meta = notification.params?.['_meta'];
          const id = isObject(meta) ? meta[META_SUBSCRIPTION_ID] : undefined;
          if (this.listenAck && (id === undefined || id === this.listenAck.id)) this.listenAck.resolve();
          return;
        }
        this.listener.onNotification(this, notification, related ?? peer.soleInFlight());
      },
      onClose: (reason) => {
        if (this.peer === peer) this.handleDisconnect(reason);
      },
    });
    return { transport, peer };
  }

  /** A sandboxed server with an egress allowlist gets its proxy before its first child starts. */
  private async startEgressProxy(): Promise<void> {
    const config = this.config;
    if (this.egressProxy || !isStdioServer(config) || config.sandbox === 'off') return;
    const network = config.sandbox.network;
    if (network === 'none') return;
    const asRoot = process.getuid?.() === 0;
    this.egressProxy = await EgressProxy.start({
      server: this.name,
      allow: network.egress.allow,
      ports: network.egress.ports,
      onAttempt: this.sandboxDeps.onEgress,
      owner: asRoot ? { uid: config.sandbox.uid, gid: config.sandbox.uid } : undefined,
    });
  }

  private async probeModern(peer: RpcPeer): Promise<'modern' | 'legacy' | 'crashed'> {
    try {
      const result = await peer.request('server/discover', discoverParams(), {
        timeoutMs: Math.min(5_000, this.config.timeouts.connectMs),
        maxTotalMs: this.config.timeouts.connectMs,
      });
      // Some legacy servers answer unknown methods with an empty result: only a real DiscoverResult counts.
      const versions = result['supportedVersions'];
      if (!Array.isArray(versions) || !versions.includes(MODERN_VERSION)) return 'legacy';
      this.applyDiscover(result);
      return 'modern';
    } catch (err) {
      if (err instanceof PeerError) return 'legacy';
      if (err instanceof RampartError && err.code === 'RAMPART_UPSTREAM_TIMEOUT') return 'legacy';
      // Some legacy servers exit on an unknown pre-initialize request (spec: versioning).
      if (err instanceof RampartError && err.code === 'RAMPART_UPSTREAM_CRASHED') return 'crashed';
      throw err;
    }
  }

  private async discover(peer: RpcPeer): Promise<void> {
    const result = await peer.request('server/discover', discoverParams(), {
      timeoutMs: this.config.timeouts.connectMs,
      maxTotalMs: this.config.timeouts.connectMs,
    });
    this.applyDiscover(result);
  }

  private applyDiscover(result: JsonObject): void {
    this.protocolVersion = MODERN_VERSION;
    this.capabilities = isObject(result['capabilities']) ? result['capabilities'] : {};
    // 2026-07-28 carries serverInfo in every result's `_meta`; a discover result may also name it directly.
    const meta = isObject(result['_meta']) ? result['_meta'][META_SERVER_INFO] : undefined;
    this.serverInfo = isObject(result['serverInfo'])
      ? result['serverInfo']
      : isObject(meta)
        ? meta
        : undefined;
    this.instructions = typeof result['instructions'] === 'string' ? result['instructions'] : undefined;
  }

  private async initializeLegacy(peer: RpcPeer): Promise<void> {
    const result = await peer.request(
      'initialize',
      {
        protocolVersion: LATEST_LEGACY_VERSION,
        capabilities: LEGACY_CLIENT_CAPABILITIES,
        clientInfo: RAMPART_INFO,
      },
      { timeoutMs: this.config.timeouts.connectMs, maxTotalMs: this.config.timeouts.connectMs },
    );
    const version = String(result['protocolVersion']);
    if (!(LEGACY_VERSIONS as readonly string[]).includes(version)) {
      throw new RampartError('RAMPART_UPSTREAM_PROTOCOL', `unsupported protocol version ${version}`);
    }
    this.protocolVersion = version;
    this.capabilities = isObject(result['capabilities']) ? result['capabilities'] : {};
    this.serverInfo = isObject(result['serverInfo']) ? result['serverInfo'] : undefined;
    this.instructions = typeof result['instructions'] === 'string' ? result['instructions'] : undefined;
    if (this.transport instanceof StreamableHttpTransport) this.transport.setNegotiatedVersion(version);
    await peer.notify('notifications/initialized');
    if (this.transport instanceof StreamableHttpTransport) this.transport.openGetStream();
  }

  /** Called by the transport through the peer when the connection dies. */
  private handleDisconnect(reason: Error): void {
    // While connecting, failures surface through the handshake's own promises instead.
    if (this.status !== 'ready') return;
    this.log.warn('upstream disconnected', { reason: reason.message });
    this.status = 'down';
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.status === 'closed' || this.retryTimer) return;
    this.status = 'down';
    const config = this.config;
    const restart = isStdioServer(config)
      ? config.restart
      : { initialDelayMs: 250, maxDelayMs: 30_000, resetAfterMs: 60_000 };
    if (this.connectedAt > 0 && Date.now() - this.connectedAt > restart.resetAfterMs)
      this.backoffMs = restart.initialDelayMs;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 1), restart.maxDelayMs);
    this.restarts++;
    this.log.info('upstream reconnect scheduled', { delayMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}

function discoverParams(): JsonObject {
  return {
    _meta: {
      [META_PROTOCOL_VERSION]: MODERN_VERSION,
      [META_CLIENT_CAPABILITIES]: {},
      [META_CLIENT_INFO]: { name: RAMPART_INFO.name, version: RAMPART_INFO.version },
    },
  };
}
