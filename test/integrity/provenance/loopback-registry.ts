// A loopback npm registry serving the captured fixtures (test/fixtures/npm-registry) and packages a test builds:
// packuments (with the registry's URLs rewritten to this server, as a registry mirror does), tarballs,
// attestations and `/-/npm/v1/keys`. A test can replace any answer to play a tampering registry.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const FIXTURES = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../fixtures/npm-registry',
);
const NPMJS = 'https://registry.npmjs.org';

/** One registry answer: a JSON value or raw bytes, with an optional status and headers. */
export interface Answer {
  readonly status?: number;
  readonly json?: unknown;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

export interface LoopbackRegistry {
  readonly url: string;
  /** Every path requested, in order. */
  readonly requests: string[];
  /** Serves `answer` at `pathname` instead of the fixture (tampering, redirects). */
  override(pathname: string, answer: Answer | ((url: string) => Answer)): void;
  /** Serves the fixture at `pathname` again. */
  clear(pathname: string): void;
  /** The fixture packument of `name` as this registry serves it (URLs pointing here), to modify and override. */
  packument<T = unknown>(name: string): T;
  /** Adds a package version (a test-built tarball); its packument lists only what was added. */
  publish(name: string, version: string, manifest: Record<string, unknown>, tarball: Buffer): void;
  close(): Promise<void>;
}

/** The fixture file's bytes. */
export function fixture(...parts: string[]): Buffer {
  return readFileSync(path.join(FIXTURES, ...parts));
}

/** The fixture file as JSON. */
export function fixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(fixture(...parts).toString('utf8')) as T;
}

/** Starts the registry on 127.0.0.1 with the captured fixtures. */
export async function startLoopbackRegistry(): Promise<LoopbackRegistry> {
  const overrides = new Map<string, Answer | ((url: string) => Answer)>();
  const published = new Map<string, { versions: Record<string, unknown>; time: Record<string, string> }>();
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  let base = '';

  const rewrite = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replaceAll(NPMJS, base));

  const route = (pathname: string): Answer => {
    const override = overrides.get(pathname);
    if (override) return typeof override === 'function' ? override(`${base}${pathname}`) : override;
    if (pathname === '/-/npm/v1/keys') return { json: fixtureJson('keys.json') };
    const attestation = /^\/-\/npm\/v1\/attestations\/(.+)@([^@]+)$/.exec(decodeURIComponent(pathname));
    if (attestation) {
      const [, name, version] = attestation;
      return { json: fixtureJson(name!, `${version}.attestations.json`) };
    }
    const file = files.get(pathname);
    if (file) return { body: file };
    const tarball = /^\/(.+)\/-\/([^/]+\.tgz)$/.exec(pathname);
    if (tarball) return { body: fixture(decodeURIComponent(tarball[1]!), tarball[2]!) };
    const name = decodeURIComponent(pathname.slice(1));
    const own = published.get(name);
    if (own) return { json: rewrite({ _id: name, name, ...own }) };
    return { json: rewrite(fixtureJson(name, 'packument.json')) };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', 'http://registry').pathname;
    requests.push(pathname);
    let answer: Answer;
    try {
      answer = route(pathname);
    } catch {
      answer = { status: 404, body: Buffer.alloc(0) };
    }
    const body = answer.body ?? Buffer.from(JSON.stringify(answer.json));
    res.writeHead(answer.status ?? 200, {
      'content-type': answer.body ? 'application/octet-stream' : 'application/json',
      'content-length': String(body.length),
      ...answer.headers,
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    override: (pathname, answer) => overrides.set(pathname, answer),
    clear: (pathname) => overrides.delete(pathname),
    packument: <T>(name: string) => rewrite(fixtureJson(name, 'packument.json')) as T,
    publish(name, version, manifest, tarball) {
      const entry = published.get(name) ?? { versions: {}, time: {} };
      const file = `/${name}/-/${name.split('/').pop()}-${version}.tgz`;
      files.set(file, tarball);
      entry.versions[version] = {
        ...manifest,
        name,
        version,
        dist: { ...(manifest['dist'] as object), tarball: `${NPMJS}${file}` },
      };
      entry.time[version] = new Date(0).toISOString();
      published.set(name, entry);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Packs a directory the way `npm pack` lays it out (`package/...`, gzip) and returns the tarball. */
export async function packDirectory(dir: string, files: readonly string[]): Promise<Buffer> {
  const { create } = await import('tar');
  const chunks: Buffer[] = [];
  const stream = create({ gzip: true, cwd: dir, prefix: 'package', portable: true }, [...files]);
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The SRI sha512 integrity of some bytes. */
export function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** The dependency-free MCP server package the tests pack (test/fixtures/npm-registry/echo-mcp). */
export const ECHO = { name: '@rampart-test/echo-mcp', version: '1.0.0' } as const;

/** Packs echo-mcp, publishes it on `registry` and returns its tarball. */
export async function publishEcho(registry: LoopbackRegistry): Promise<Buffer> {
  const dir = path.join(FIXTURES, 'echo-mcp');
  const tarball = await packDirectory(dir, ['package.json', 'bin/echo-mcp.js']);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  registry.publish(
    ECHO.name,
    ECHO.version,
    { ...manifest, dist: { integrity: integrityOf(tarball) } },
    tarball,
  );
  return tarball;
}
