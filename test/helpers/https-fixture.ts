// The conformance fixture served over HTTPS on 127.0.0.1, in-process, with a certificate the test can swap (key
// rotation, a rogue server) and a switch that makes every answer close its connection, so the next request
// needs a new socket and a new TLS handshake.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Dispatcher } from '../fixtures/conformance-server/dispatcher.ts';
import { startHttp } from '../fixtures/conformance-server/http-server.ts';
import type { EraMode } from '../fixtures/conformance-server/protocol.ts';
import type { CertFiles } from './certs.ts';

export interface HttpsFixture {
  /** `https://127.0.0.1:PORT/mcp` */
  readonly url: string;
  /** Serves `cert` on every connection from now on. */
  use(cert: CertFiles): void;
  /** When true, each answer carries `Connection: close`. */
  closeAfterEachAnswer: boolean;
  /** TLS handshakes completed so far. */
  readonly handshakes: number;
  /** HTTP requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Starts the fixture behind HTTPS with `cert`. */
export async function startHttpsFixture(cert: CertFiles, era: EraMode = 'dual'): Promise<HttpsFixture> {
  const dispatcher = new Dispatcher();
  // The fixture's own request handler (routing, sessions, Host checks), taken from its plain HTTP server, which
  // then stops listening: only the HTTPS server below is reachable.
  const plain = await startHttp(era, dispatcher, 0);
  const handler = plain.server.listeners('request')[0] as RequestListener;
  plain.server.close();
  let handshakes = 0;
  let requests = 0;
  const fixture = {
    closeAfterEachAnswer: false,
    get handshakes() {
      return handshakes;
    },
    get requests() {
      return requests;
    },
  };
  const server: Server = createServer(
    { cert: cert.cert, key: cert.key },
    (req: IncomingMessage, res: ServerResponse) => {
      requests++;
      if (fixture.closeAfterEachAnswer) res.shouldKeepAlive = false;
      handler(req, res);
    },
  );
  server.on('secureConnection', (_socket: TLSSocket) => {
    handshakes++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(fixture, {
    url: `https://127.0.0.1:${port}/mcp`,
    use: (next: CertFiles) => server.setSecureContext({ cert: next.cert, key: next.key }),
    close: async () => {
      dispatcher.shutdown();
      await plain.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  });
}
