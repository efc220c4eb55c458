// `rampart stdio`: the same gateway and pipeline for one client on stdin/stdout (newline-delimited JSON-RPC).
// Both eras: `initialize` starts a legacy session; requests with modern `_meta` are served statelessly.
import { createInterface } from 'node:readline';
import type { Gateway } from '../core/gateway.ts';
import {
  classifyMessage,
  failure,
  isObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  PeerError,
  success,
} from '../core/jsonrpc.ts';
import {
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  META_PROTOCOL_VERSION,
  MODERN_VERSIONS,
  RAMPART_INFO,
} from '../core/protocol.ts';
import { RampartError } from '../errors.ts';
import type { Pipeline } from '../guards/pipeline.ts';
import type { Logger } from '../monitor/logger.ts';
import { legacyCall, routeLegacy } from './legacy.ts';
import type { ListenHub } from './listen-hub.ts';
import { decorate, modernCall } from './modern.ts';
import { errorOf } from './reply.ts';
import type { Channel } from './response-channel.ts';
import { LegacySession } from './sessions.ts';

const MAX_LINE = 4 * 1024 * 1024;

class StdoutChannel implements Channel {
  private readonly out: NodeJS.WritableStream;
  constructor(out: NodeJS.WritableStream) {
    this.out = out;
  }
  get closed(): boolean {
    return false;
  }
  send(message: JsonRpcMessage): void {
    this.out.write(`${JSON.stringify(message)}\n`);
  }
  finish(message: JsonRpcMessage): void {
    this.send(message);
  }
  ping(): void {}
  end(): void {}
}

export class StdioIngress {
  private readonly gateway: Gateway;
  private readonly pipeline: Pipeline;
  private readonly input: NodeJS.ReadableStream;
  private readonly channel: StdoutChannel;
  private readonly log: Logger;
  private session: LegacySession | undefined;
  private readonly modernInflight = new Map<string | number, AbortController>();
  private readonly work = new Set<Promise<void>>();
  /** Change notifications (list_changed, subscribed resource updates) reach the stdio client through the hub. */
  private readonly hub: ListenHub | undefined;
  private detach: (() => void) | undefined;

  constructor(
    gateway: Gateway,
    pipeline: Pipeline,
    input: NodeJS.ReadableStream,
    output: NodeJS.WritableStream,
    log: Logger,
    hub?: ListenHub,
  ) {
    this.hub = hub;
    this.gateway = gateway;
    this.pipeline = pipeline;
    this.input = input;
    this.channel = new StdoutChannel(output);
    this.log = log;
  }

  /** Serves until stdin ends, then waits for the requests still running. */
  async run(): Promise<void> {
    const lines = createInterface({ input: this.input, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      if (line.length > MAX_LINE) {
        this.channel.send(failure(null, new RampartError('RAMPART_BODY_TOO_LARGE').toJsonRpc()));
        continue;
      }
      const job = this.receive(line).catch((err: unknown) =>
        this.log.error('stdio ingress error', { error: String(err) }),
      );
      this.work.add(job);
      void job.finally(() => this.work.delete(job));
    }
    await Promise.all(this.work);
    this.session?.close();
  }

  private async receive(line: string): Promise<void> {
    let message: ReturnType<typeof classifyMessage>;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new RampartError('RAMPART_PARSE_ERROR');
      }
      message = classifyMessage(parsed);
    } catch (err) {
      this.channel.send(failure(null, errorOf(err)));
      return;
    }
    if (message.kind === 'response') {
      const pending = this.session?.clientRequests.get(String(message.message.id));
      if (!pending || !this.session) return;
      this.session.clientRequests.delete(String(message.message.id));
      if ('error' in message.message) pending.reject(new PeerError(message.message.error));
      else pending.resolve(message.message.result);
      return;
    }
    if (message.kind === 'notification') {
      const { method, params } = message.message;
      if (method === 'notifications/cancelled') {
        const id = params?.['requestId'];
        if (typeof id === 'string' || typeof id === 'number') {
          this.session?.inflight.get(id)?.abort();
          this.modernInflight.get(id)?.abort();
        }
      } else if (method === 'notifications/initialized' && this.session) this.session.initialized = true;
      else this.gateway.handleNotification(message.message);
      return;
    }
    const request = message.message;
    const meta = request.params?.['_meta'];
    if (isObject(meta) && META_PROTOCOL_VERSION in meta)
      return this.modern(request, String(meta[META_PROTOCOL_VERSION]));
    return this.legacy(request);
  }

  private async legacy(request: JsonRpcRequest): Promise<void> {
    if (request.method === 'initialize') {
      const params = request.params ?? {};
      const requested = String(params['protocolVersion'] ?? '');
      const version = (LEGACY_VERSIONS as readonly string[]).includes(requested)
        ? requested
        : LATEST_LEGACY_VERSION;
      this.session?.close();
      this.session = new LegacySession(
        version,
        isObject(params['capabilities']) ? params['capabilities'] : {},
        isObject(params['clientInfo']) ? params['clientInfo'] : undefined,
        Date.now(),
      );
      this.session.streams.add(this.channel);
      this.detach?.();
      this.detach = this.hub?.attach(this.session);
      const result: Record<string, unknown> = {
        protocolVersion: version,
        capabilities: this.gateway.capabilities(),
        serverInfo: RAMPART_INFO,
      };
      const instructions = this.gateway.instructions();
      if (instructions !== undefined) result['instructions'] = instructions;
      this.channel.send(success(request.id, result));
      return;
    }
    const session = this.session;
    if (!session) {
      this.channel.send(failure(request.id, new RampartError('RAMPART_NOT_INITIALIZED').toJsonRpc()));
      return;
    }
    const controller = new AbortController();
    session.inflight.set(request.id, controller);
    const call = legacyCall(request, session, this.channel, controller.signal, undefined);
    try {
      const result = await this.pipeline.run(call, () =>
        routeLegacy(call, session, { gateway: this.gateway }),
      );
      this.channel.send(success(request.id, result));
    } catch (err) {
      if (!controller.signal.aborted) this.channel.send(failure(request.id, errorOf(err)));
    } finally {
      session.inflight.delete(request.id);
    }
  }

  private async modern(request: JsonRpcRequest, version: string): Promise<void> {
    if (!(MODERN_VERSIONS as readonly string[]).includes(version)) {
      const error = new RampartError('RAMPART_UNSUPPORTED_PROTOCOL_VERSION', undefined, {
        supported: [...MODERN_VERSIONS],
      });
      this.channel.send(failure(request.id, error.toJsonRpc()));
      return;
    }
    const controller = new AbortController();
    this.modernInflight.set(request.id, controller);
    const call = modernCall(request, version, this.channel, controller.signal);
    try {
      const result = await this.pipeline.run(call, () =>
        request.method === 'server/discover'
          ? Promise.resolve(async () => this.gateway.discoverResult())
          : this.gateway.route(call),
      );
      this.channel.send(success(request.id, decorate(request.method, result)));
    } catch (err) {
      if (!controller.signal.aborted) this.channel.send(failure(request.id, errorOf(err)));
    } finally {
      this.modernInflight.delete(request.id);
    }
  }
}
