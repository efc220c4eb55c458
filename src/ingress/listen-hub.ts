// Where change notifications go: 2026-07-28 `subscriptions/listen` streams (only the types each one asked for,
// tagged with its subscription id) and 2025-11-25 sessions (their GET stream; resource updates only when subscribed).
import type { DownstreamCall } from '../core/call.ts';
import type { DownstreamHub, Gateway } from '../core/gateway.ts';
import { isObject, type JsonObject, success } from '../core/jsonrpc.ts';
import { META_SUBSCRIPTION_ID } from '../core/protocol.ts';
import type { Channel } from './response-channel.ts';
import type { LegacySession, SessionStore } from './sessions.ts';

const KEEPALIVE_MS = 15_000;

interface Listener {
  id: string | number;
  channel: Channel;
  tools: boolean;
  prompts: boolean;
  resources: boolean;
  uris: Set<string>;
}

export class ListenHub implements DownstreamHub {
  private readonly listeners = new Set<Listener>();
  private readonly gateway: Gateway;
  private readonly sessions: SessionStore;
  private readonly detached = new Set<LegacySession>();
  /** Keeps the resource URIs the caller may subscribe to (policy); all of them without one. */
  authorizeSubscriptions: ((call: DownstreamCall, uris: string[]) => Promise<string[]>) | undefined;

  constructor(gateway: Gateway, sessions: SessionStore) {
    this.gateway = gateway;
    this.sessions = sessions;
  }

  async open(call: DownstreamCall, channel: Channel): Promise<void> {
    const filter = isObject(call.params?.['notifications']) ? call.params['notifications'] : {};
    const caps = this.gateway.capabilities();
    const resourcesCap = isObject(caps['resources']) ? caps['resources'] : undefined;
    const listener: Listener = {
      id: call.id,
      channel,
      tools: filter['toolsListChanged'] === true,
      prompts: filter['promptsListChanged'] === true && isObject(caps['prompts']),
      resources: filter['resourcesListChanged'] === true && resourcesCap !== undefined,
      uris: new Set(),
    };
    const requested = Array.isArray(filter['resourceSubscriptions']) ? filter['resourceSubscriptions'] : [];
    if (resourcesCap?.['subscribe'] === true) {
      const uris = requested.filter((uri): uri is string => typeof uri === 'string');
      // Refused URIs are left out of the acknowledgement, as the spec does for URIs a server cannot watch.
      const allowed = this.authorizeSubscriptions ? await this.authorizeSubscriptions(call, uris) : uris;
      for (const uri of allowed) listener.uris.add(uri);
      if (call.signal.aborted || channel.closed) return;
    }
    const acknowledged: JsonObject = {};
    if (listener.tools) acknowledged['toolsListChanged'] = true;
    if (listener.prompts) acknowledged['promptsListChanged'] = true;
    if (listener.resources) acknowledged['resourcesListChanged'] = true;
    if (listener.uris.size > 0) acknowledged['resourceSubscriptions'] = [...listener.uris];
    channel.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { [META_SUBSCRIPTION_ID]: call.id }, notifications: acknowledged },
    });
    this.listeners.add(listener);
    for (const uri of listener.uris)
      void this.gateway.acquireSubscription(uri).catch(() => listener.uris.delete(uri));
    const keepalive = setInterval(() => channel.ping(), KEEPALIVE_MS);
    keepalive.unref();
    call.signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepalive);
        this.drop(listener);
      },
      { once: true },
    );
  }

  /** Ends every listen stream gracefully (a completion result), used on shutdown. */
  closeAll(): void {
    for (const listener of [...this.listeners]) {
      listener.channel.finish(
        success(listener.id, { resultType: 'complete', _meta: { [META_SUBSCRIPTION_ID]: listener.id } }),
      );
      this.drop(listener);
    }
  }

  listChanged(kind: 'tools' | 'prompts' | 'resources'): void {
    const method = `notifications/${kind}/list_changed`;
    for (const listener of this.listeners) {
      if (!listener[kind]) continue;
      listener.channel.send({
        jsonrpc: '2.0',
        method,
        params: { _meta: { [META_SUBSCRIPTION_ID]: listener.id } },
      });
    }
    for (const session of this.legacySessions()) session.notify({ jsonrpc: '2.0', method });
  }

  resourceUpdated(exposedUri: string, params: JsonObject): void {
    for (const listener of this.listeners) {
      if (!listener.uris.has(exposedUri)) continue;
      const meta = isObject(params['_meta']) ? params['_meta'] : {};
      listener.channel.send({
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { ...params, _meta: { ...meta, [META_SUBSCRIPTION_ID]: listener.id } },
      });
    }
    for (const session of this.legacySessions()) {
      if (session.subscriptions.has(exposedUri)) {
        session.notify({ jsonrpc: '2.0', method: 'notifications/resources/updated', params });
      }
    }
  }

  /** Adds a legacy session that lives outside the HTTP session store (the one `rampart stdio` client). */
  attach(session: LegacySession): () => void {
    this.detached.add(session);
    return () => this.detached.delete(session);
  }

  private *legacySessions(): Iterable<LegacySession> {
    yield* this.sessions.all();
    yield* this.detached;
  }

  private drop(listener: Listener): void {
    if (!this.listeners.delete(listener)) return;
    for (const uri of listener.uris) this.gateway.releaseSubscription(uri);
  }
}
