// Getting syslog messages to a receiver: UDP (RFC 5426: one message per datagram, no delivery guarantee), TCP
// (RFC 6587 octet counting) and TLS (RFC 5425, same framing). The stream transports hold one connection, open it
// on demand and open a new one after any error; the retry pacing (exponential backoff) is the delivery queue's,
// so there is exactly one backoff per sink. Every socket has an 'error' listener from its first moment: an
// unhandled one would take the gateway down.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SinkError } from './delivery.ts';
import { octetCounted } from './syslog-format.ts';

export interface MessageTransport {
  /** Sends the messages in order; rejects when any of them could not be handed to the network. */
  send(messages: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

export interface StreamOptions {
  readonly host: string;
  readonly port: number;
  /** TLS only: CA bundle (PEM); the system's CAs when undefined. */
  readonly ca?: Buffer | undefined;
  /** TLS only: name to send as SNI and to find in the certificate; `host` when undefined. */
  readonly serverName?: string | undefined;
  readonly connectTimeoutMs?: number;
  /** A receiver that stops reading must not hold the queue forever. */
  readonly writeTimeoutMs?: number;
}

export function udpTransport(host: string, port: number): MessageTransport {
  const socket: UdpSocket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  // Send errors also arrive through the callback; the listener only keeps a stray one from crashing us.
  socket.on('error', () => undefined);
  socket.unref();
  let closed = false;
  const sendOne = (message: Buffer) =>
    new Promise<void>((resolve, reject) => {
      socket.send(message, port, host, (err) => (err ? reject(new SinkError(err.message)) : resolve()));
    });
  return {
    async send(messages) {
      if (closed) throw new SinkError('closed');
      for (const message of messages) await sendOne(message);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // never bound: nothing to close
        }
      });
    },
  };
}

export function streamTransport(kind: 'tcp' | 'tls', options: StreamOptions): MessageTransport {
  return new StreamTransport(kind, options);
}

class StreamTransport implements MessageTransport {
  private readonly kind: 'tcp' | 'tls';
  private readonly options: StreamOptions;
  private socket: Socket | undefined;
  /** The socket still connecting, so close() can abort it. */
  private opening: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private closed = false;

  constructor(kind: 'tcp' | 'tls', options: StreamOptions) {
    this.kind = kind;
    this.options = options;
  }

  async send(messages: readonly Buffer[]): Promise<void> {
    const socket = await this.connected();
    await this.write(socket, Buffer.concat(messages.map(octetCounted)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.opening?.destroy();
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    // end() lets queued writes out (and TLS send close_notify); destroy() if the peer does not close in time.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 1_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private connected(): Promise<Socket> {
    const current = this.socket;
    if (current && !current.destroyed && current.writable) return Promise.resolve(current);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private connect(): Promise<Socket> {
    if (this.closed) return Promise.reject(new SinkError('closed'));
    const { host, port } = this.options;
    const socket =
      this.kind === 'tls'
        ? tlsConnect({
            host,
            port,
            ca: this.options.ca,
            // SNI carries names only (an IP address there is a protocol error); the identity check then uses host.
            servername: this.options.serverName ?? (isIP(host) === 0 ? host : undefined),
            minVersion: 'TLSv1.2',
            rejectUnauthorized: true,
          })
        : netConnect({ host, port });
    this.opening = socket;
    return new Promise((resolve, reject) => {
      let ready = false;
      let lastError: Error | undefined;
      const timer = setTimeout(
        () => socket.destroy(new Error(`connecting to ${host}:${port} timed out`)),
        this.options.connectTimeoutMs ?? 10_000,
      );
      timer.unref();
      socket.on('error', (err) => {
        lastError = err;
      });
      socket.once('close', () => {
        clearTimeout(timer);
        if (this.opening === socket) this.opening = undefined;
        if (this.socket === socket) this.socket = undefined;
        if (!ready)
          reject(new SinkError(lastError?.message ?? 'connection closed', true, { cause: lastError }));
      });
      // A syslog receiver sends nothing; reading keeps a chatty one from filling our buffers.
      socket.on('data', () => undefined);
      socket.once(this.kind === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        ready = true;
        this.opening = undefined;
        if (this.closed) {
          socket.destroy();
          reject(new SinkError('closed'));
          return;
        }
        socket.setKeepAlive(true, 30_000);
        socket.setNoDelay(true);
        // An idle connection to a SIEM is no reason to keep the process alive.
        socket.unref();
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  private write(socket: Socket, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => socket.destroy(new Error('write timed out')),
        this.options.writeTimeoutMs ?? 15_000,
      );
      timer.unref();
      const onClose = () => {
        clearTimeout(timer);
        reject(new SinkError('connection closed while writing'));
      };
      socket.once('close', onClose);
      socket.write(data, (err) => {
        clearTimeout(timer);
        socket.off('close', onClose);
        if (err) reject(new SinkError(err.message, true, { cause: err }));
        else resolve();
      });
    });
  }
}
