// Serving the Prometheus exposition. The metrics name upstreams, rule ids and traffic volumes, which an operator
// may not want on the MCP listener, so besides a handler to mount on an existing server there is a dedicated
// listener meant for a loopback or an internal address.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';

export const METRICS_PATH = '/metrics';

/** Answers a request for `/metrics` (GET or HEAD; other methods get 405). Never throws. */
export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Metrics,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  try {
    const { contentType, body } = await metrics.render();
    res
      .writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
      .end(req.method === 'HEAD' ? undefined : body);
  } catch {
    // A failing collector must not take the process down; the scrape shows as failed instead.
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('metrics collection failed\n');
  }
}

/** A listener that serves only `/metrics`; resolves once bound (port 0 picks a free port). */
export function listenMetrics(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<{ server: Server; address: AddressInfo }> {
  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void serveMetrics(req, res, metrics);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, address: server.address() as AddressInfo });
    });
  });
}
