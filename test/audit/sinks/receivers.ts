// Real receivers on 127.0.0.1 for the sink tests: a syslog UDP socket, a TCP and a TLS server (each keeps the
// raw bytes of every connection), and an HTTP collector that records each request.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export interface UdpReceiver {
  readonly port: number;
  readonly datagrams: Buffer[];
  close(): Promise<void>;
}

export async function udpReceiver(): Promise<UdpReceiver> {
  const socket = createSocket('udp4');
  const datagrams: Buffer[] = [];
  socket.on('message', (msg) => datagrams.push(msg));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    port: socket.address().port,
    datagrams,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

export interface StreamReceiver {
  readonly port: number;
  /** Bytes received per connection, in connection order. */
  readonly connections: Buffer[][];
  /** Every byte received, all connections in order. */
  bytes(): Buffer;
  /** TLS handshakes the server refused or that failed. */
  readonly handshakeErrors: Error[];
  close(): Promise<void>;
}

function track(server: Server, connectionEvent: string, port = 0): Promise<StreamReceiver> {
  const connections: Buffer[][] = [];
  const handshakeErrors: Error[] = [];
  const sockets = new Set<Socket>();
  server.on(connectionEvent, (socket: Socket) => {
    const chunks: Buffer[] = [];
    connections.push(chunks);
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (err: Error) => handshakeErrors.push(err));
  server.listen(port, '127.0.0.1');
  return once(server, 'listening').then(() => ({
    port: (server.address() as AddressInfo).port,
    connections,
    handshakeErrors,
    bytes: () => Buffer.concat(connections.flat()),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  }));
}

export function tcpReceiver(port = 0): Promise<StreamReceiver> {
  return track(createNetServer(), 'connection', port);
}

export function tlsReceiver(cert: string, key: string): Promise<StreamReceiver> {
  return track(createTlsServer({ cert, key }), 'secureConnection');
}

/** A port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HttpRequestSeen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface HttpReceiver {
  readonly url: string;
  readonly requests: HttpRequestSeen[];
  close(): Promise<void>;
}

/** An HTTP collector answering every request with `status`. */
export async function httpReceiver(status = 200): Promise<HttpReceiver> {
  const requests: HttpRequestSeen[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{}' : '{"error":"nope"}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/logs`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
