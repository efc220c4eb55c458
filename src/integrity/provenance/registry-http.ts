// GETs from an allowed npm registry only: every URL (and every redirect hop) must lie under a configured registry,
// each connection's resolved address is checked (no DNS answer can turn a registry name into a cloud metadata or
// loopback address), and bodies are bounded in size and time.
import { Agent, type Dispatcher, request } from 'undici';
import { RampartError } from '../../errors.ts';
import { guardedLookup, isLoopbackHost, type UrlPolicy } from '../../upstream/credentials/ssrf-guard.ts';
import { checkRegistryUrl } from './registry-url.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface RegistryGet {
  /** The configured registry base URLs; the URL and every redirect must stay under one of them. */
  readonly registries: readonly string[];
  readonly accept: string;
  readonly maxBytes: number;
  /** Names the document in errors ("the packument of x"). */
  readonly what: string;
  readonly timeoutMs?: number;
}

const agents = new Map<string, Agent>();

// A loopback registry (tests, a local mirror) may resolve to loopback; any other registry name may resolve to
// public or private addresses (an internal registry) but never to loopback, link-local or reserved ones.
function agentFor(url: URL, timeoutMs: number): Dispatcher {
  const loopback = isLoopbackHost(url.hostname);
  const key = `${loopback}|${timeoutMs}`;
  let agent = agents.get(key);
  if (!agent) {
    const policy: UrlPolicy = { allowHttp: loopback, allowLoopback: loopback, allowPrivate: true };
    agent = new Agent({
      keepAliveTimeout: 2_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: timeoutMs, lookup: guardedLookup(policy) } as Agent.Options['connect'],
    });
    agents.set(key, agent);
  }
  return agent;
}

/** GETs `raw`; resolves with the body of a 2xx answer, else throws a RAMPART_PACKAGE_* error. */
export async function registryGet(raw: string, options: RegistryGet): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  let url = checkRegistryUrl(raw, options.registries, options.what);
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { accept: options.accept, 'user-agent': 'rampart' },
        dispatcher: agentFor(url, timeoutMs),
        signal: deadline,
      });
    } catch (err) {
      throw fetchError(err, options.what);
    }
    const location = res.headers['location'];
    if (REDIRECTS.has(res.statusCode)) {
      await res.body.dump();
      if (typeof location !== 'string' || hop >= MAX_REDIRECTS) {
        throw new RampartError(
          'RAMPART_PACKAGE_REGISTRY_REFUSED',
          `${options.what}: too many or empty redirects`,
        );
      }
      url = checkRegistryUrl(new URL(location, url).href, options.registries, `${options.what} (redirect)`);
      continue;
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new RampartError('RAMPART_PACKAGE_NOT_FOUND', `${options.what}: the registry answered 404`);
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump();
      throw new RampartError(
        'RAMPART_PACKAGE_FETCH_FAILED',
        `${options.what}: the registry answered ${res.statusCode}`,
      );
    }
    return readBounded(res, options, deadline);
  }
}

/** GETs and parses a JSON document. */
export async function registryGetJson(raw: string, options: RegistryGet): Promise<unknown> {
  const body = await registryGet(raw, options);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RampartError('RAMPART_PACKAGE_FETCH_FAILED', `${options.what} is not valid JSON`);
  }
}

async function readBounded(res: Dispatcher.ResponseData, options: RegistryGet, deadline: AbortSignal) {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    discard(res);
    throw tooLarge(options);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) {
        discard(res);
        throw tooLarge(options);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof RampartError) throw err;
    throw fetchError(deadline.aborted ? deadline.reason : err, options.what);
  }
  return Buffer.concat(chunks);
}

// Destroying an unread body makes undici report the aborted request on it: that is expected here, not an error.
function discard(res: Dispatcher.ResponseData): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

function tooLarge(options: RegistryGet): RampartError {
  return new RampartError(
    'RAMPART_PACKAGE_FETCH_FAILED',
    `${options.what} is larger than ${options.maxBytes} bytes; refusing it`,
  );
}

function fetchError(err: unknown, what: string): RampartError {
  for (let cause = err; cause instanceof Error; cause = (cause as Error & { cause?: unknown }).cause) {
    if (cause instanceof RampartError) {
      // The address guard refuses with RAMPART_SSRF_BLOCKED; here that means the registry is not reachable safely.
      return new RampartError('RAMPART_PACKAGE_REGISTRY_REFUSED', `${what}: ${cause.message}`);
    }
  }
  const reason =
    err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      ? 'timed out'
      : err instanceof Error
        ? err.message
        : 'request failed';
  return new RampartError('RAMPART_PACKAGE_FETCH_FAILED', `${what}: ${reason}`);
}
