// The HTTP client of the credential providers: small JSON documents and form posts, bounded in time and size.
// URLs that came from an upstream (discovery) go through the SSRF guard, on every redirect hop too; URLs from
// Rampart's own configuration (a configured token endpoint) are trusted and use a plain agent.
import { Agent, type Dispatcher, request } from 'undici';
import { RampartError } from '../../errors.ts';
import { parseJsonOrUndefined, readCapped } from '../response-body.ts';
import { checkUrl, guardedLookup, type UrlPolicy } from './ssrf-guard.ts';

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface HttpResult {
  readonly status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: unknown;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

const agentOptions = {
  keepAliveTimeout: 2_000,
  headersTimeout: TIMEOUT_MS,
  bodyTimeout: TIMEOUT_MS,
} as const;
let trusted: Agent | undefined;
const guarded = new Map<string, Agent>();

function agentFor(policy: UrlPolicy | undefined): Dispatcher {
  if (!policy) {
    trusted ??= new Agent({ ...agentOptions, connect: { timeout: TIMEOUT_MS } });
    return trusted;
  }
  const key = `${policy.allowHttp}|${policy.allowLoopback}|${policy.allowPrivate}`;
  let agent = guarded.get(key);
  if (!agent) {
    agent = new Agent({
      ...agentOptions,
      connect: { timeout: TIMEOUT_MS, lookup: guardedLookup(policy) } as Agent.Options['connect'],
    });
    guarded.set(key, agent);
  }
  return agent;
}

/** A URL that is at least http(s); the SSRF policy, when given, says more. */
function vet(url: string, policy: UrlPolicy | undefined, what: string): URL {
  if (policy) return checkUrl(url, policy, what);
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RampartError('RAMPART_SSRF_BLOCKED', `${what} must be an http(s) URL`);
  }
  return parsed;
}

/** The guard's own refusal when a connection failed because of it, else a generic network error. */
function networkError(err: unknown, what: string): RampartError {
  for (let cause = err; cause instanceof Error; cause = (cause as Error & { cause?: unknown }).cause) {
    if (cause instanceof RampartError) return cause;
  }
  const message = err instanceof Error ? err.message : 'request failed';
  return new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `${what}: ${message}`);
}

/** GET a JSON document, following at most a few redirects, each one re-checked. */
export async function getJson(url: string, policy: UrlPolicy | undefined, what: string): Promise<HttpResult> {
  let current = vet(url, policy, what);
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, {
        method: 'GET',
        headers: { accept: 'application/json' },
        dispatcher: agentFor(policy),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw networkError(err, what);
    }
    const location = res.headers['location'];
    if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) throw new RampartError('RAMPART_SSRF_BLOCKED', `${what}: too many redirects`);
      current = vet(new URL(location, current).href, policy, `${what} (redirect)`);
      continue;
    }
    const text = await readCapped(res.body, MAX_BODY_BYTES, 'The authorization document');
    return { status: res.statusCode, json: parseJsonOrUndefined(text), url: current.href };
  }
}

/** POST an application/x-www-form-urlencoded body (token and exchange requests); redirects are not followed. */
export async function postForm(
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
  policy: UrlPolicy | undefined,
  what: string,
): Promise<HttpResult> {
  const target = vet(url, policy, what);
  return postBody(target, form.toString(), 'application/x-www-form-urlencoded', headers, policy, what);
}

/** POST a JSON body (dynamic client registration). */
export async function postJson(
  url: string,
  body: unknown,
  policy: UrlPolicy | undefined,
  what: string,
): Promise<HttpResult> {
  const target = vet(url, policy, what);
  return postBody(target, JSON.stringify(body), 'application/json', {}, policy, what);
}

async function postBody(
  target: URL,
  body: string,
  type: string,
  headers: Record<string, string>,
  policy: UrlPolicy | undefined,
  what: string,
): Promise<HttpResult> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': type, accept: 'application/json' },
      body,
      dispatcher: agentFor(policy),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw networkError(err, what);
  }
  const text = await readCapped(res.body, MAX_BODY_BYTES, 'The authorization document');
  return { status: res.statusCode, json: parseJsonOrUndefined(text), url: target.href };
}
