// 2025-11-25 sessions: random ids, an idle expiry and a cap, the GET streams of each session, the requests it has
// in flight (for notifications/cancelled) and the server-to-client requests awaiting its answer.
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonRpcNotification } from '../core/jsonrpc.ts';
import { RampartError } from '../errors.ts';
import type { Channel } from './response-channel.ts';

export interface PendingClientRequest {
  resolve(result: JsonObject): void;
  reject(err: Error): void;
}

export class LegacySession {
  readonly id = randomBytes(24).toString('base64url');
  readonly protocolVersion: string;
  readonly clientCapabilities: JsonObject;
  readonly clientInfo: JsonObject | undefined;
  /** principalKey of the caller that opened the session (undefined without authentication). */
  readonly owner: string | undefined;
  initialized = false;
  lastSeen: number;
  logLevel: string | undefined;
  readonly streams = new Set<Channel>();
  readonly inflight = new Map<string | number, AbortController>();
  readonly clientRequests = new Map<string, PendingClientRequest>();
  readonly subscriptions = new Set<string>();
  private nextServerRequest = 1;

  constructor(
    protocolVersion: string,
    capabilities: JsonObject,
    clientInfo: JsonObject | undefined,
    now: number,
    owner?: string,
  ) {
    this.owner = owner;
    this.protocolVersion = protocolVersion;
    this.clientCapabilities = capabilities;
    this.clientInfo = clientInfo;
    this.lastSeen = now;
  }

  /** Ids for requests Rampart sends to this client; never reused within the session. */
  nextRequestId(): string {
    return `rampart-${this.nextServerRequest++}`;
  }

  /** Sends an unsolicited message on one open GET stream (each message goes on exactly one stream). */
  notify(message: JsonRpcNotification): boolean {
    for (const stream of this.streams) {
      if (stream.closed) {
        this.streams.delete(stream);
        continue;
      }
      stream.send(message);
      return true;
    }
    return false;
  }

  close(): void {
    for (const controller of this.inflight.values()) controller.abort();
    for (const pending of this.clientRequests.values())
      pending.reject(new RampartError('RAMPART_SESSION_NOT_FOUND'));
    for (const stream of this.streams) stream.end();
    this.inflight.clear();
    this.clientRequests.clear();
    this.streams.clear();
  }
}

export class SessionStore {
  private readonly sessions = new Map<string, LegacySession>();
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly onClose: (session: LegacySession) => void;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    maxSessions: number,
    idleMs: number,
    onClose: (session: LegacySession) => void,
    now: () => number = Date.now,
  ) {
    this.maxSessions = maxSessions;
    this.idleMs = idleMs;
    this.onClose = onClose;
    this.now = now;
    this.sweeper = setInterval(() => this.sweep(), Math.min(idleMs, 60_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  create(
    protocolVersion: string,
    capabilities: JsonObject,
    clientInfo: JsonObject | undefined,
    owner?: string,
  ): LegacySession {
    this.sweep();
    if (this.sessions.size >= this.maxSessions) throw new RampartError('RAMPART_SESSION_LIMIT');
    const session = new LegacySession(protocolVersion, capabilities, clientInfo, this.now(), owner);
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for an id, refreshing its idle clock; undefined for unknown, expired or deleted ids. */
  get(id: string): LegacySession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.expired(session, this.now())) {
      this.delete(id);
      return undefined;
    }
    session.lastSeen = this.now();
    return session;
  }

  delete(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    session.close();
    this.onClose(session);
    return true;
  }

  all(): IterableIterator<LegacySession> {
    return this.sessions.values();
  }

  sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (this.expired(session, now)) this.delete(id);
  }

  /** Idle too long, and not busy: a session with a request in flight or an open stream is in use. */
  private expired(session: LegacySession, now: number): boolean {
    if (now - session.lastSeen <= this.idleMs) return false;
    return session.inflight.size === 0 && ![...session.streams].some((s) => !s.closed);
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) this.delete(id);
  }
}
