// A scriptable HTTP server on 127.0.0.1 for the credential tests: it records every request and answers with
// whatever the test's handler returns (a JSON body by default, or a redirect).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body read as a form (token requests). */
  readonly form: URLSearchParams;
}

export interface Reply {
  readonly status?: number;
  readonly json?: unknown;
  readonly headers?: Record<string, string>;
}

export type Handler = (request: Recorded, base: string) => Reply | undefined | Promise<Reply | undefined>;

export interface LocalServer {
  readonly url: string;
  readonly requests: Recorded[];
  /** Requests to one path. */
  hits(path: string): Recorded[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<LocalServer> {
  const requests: Recorded[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', base);
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(body),
      };
      requests.push(recorded);
      const reply = (await handler(recorded, base)) ?? { status: 404, json: { error: 'not_found' } };
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.json !== undefined) headers['content-type'] = 'application/json';
      res.writeHead(reply.status ?? 200, headers);
      res.end(reply.json === undefined ? undefined : JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    hits: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
