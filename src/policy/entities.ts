// Rampart's view of a request as Cedar entities and context: the caller (User or Agent, in its Groups), the thing
// acted on (with its server as parent) and the context every policy may read. Nothing here depends on a call's
// arguments, so all of it can be built once per request shape.
import type { Principal } from '../auth/principal.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import type { CedarValue } from './arguments.ts';
import type { CedarEntity } from './engine.ts';

/** The caller Rampart sees when it runs without authentication (loopback only). */
export const ANONYMOUS = 'anonymous';

/**
 * A person is a User; a token that names only a client (client credentials: sub == client_id) is an Agent. With
 * `qualify` (several trusted issuers) ids are `<issuer>|<id>`, groups too: the same subject or group name from two
 * issuers must never be one principal.
 */
export function principalEntity(principal: Principal | undefined, qualify = false): CedarEntity {
  if (!principal) {
    return {
      uid: { type: 'User', id: ANONYMOUS },
      attrs: { subject: ANONYMOUS, issuer: '', roles: [], tenant: '' },
      parents: [],
    };
  }
  const id = (name: string) => (qualify ? `${principal.issuer}|${name}` : name);
  const parents = principal.groups.map((group) => ({ type: 'Group', id: id(group) }));
  const common = { issuer: principal.issuer, roles: [...principal.roles], tenant: principal.tenant ?? '' };
  if (principal.clientId !== undefined && principal.subject === principal.clientId) {
    return {
      uid: { type: 'Agent', id: id(principal.clientId) },
      attrs: { clientId: principal.clientId, ...common },
      parents,
    };
  }
  return {
    uid: { type: 'User', id: id(principal.subject) },
    attrs: { subject: principal.subject, ...common },
    parents,
  };
}

export interface ContextInput {
  readonly principal: Principal | undefined;
  readonly nowMs: number;
  readonly timezone: string;
  readonly remoteAddress: string | undefined;
  readonly era: string;
  readonly sessionLabels: readonly string[];
}

/** The context shared by every action (without `arguments`). */
export function baseContext(input: ContextInput): Record<string, CedarValue> {
  const p = input.principal;
  const context: Record<string, CedarValue> = {
    scopes: p ? [...p.scopes] : [],
    time: clockOf(input.nowMs, input.timezone),
    binding: p ? p.binding : 'none',
    agent: p?.agent ?? p?.clientId ?? '',
    clientId: p?.clientId ?? '',
    tenant: p?.tenant ?? '',
    era: input.era,
    sessionLabels: [...input.sessionLabels],
  };
  const address = ipOf(input.remoteAddress);
  if (address !== undefined) context['sourceAddress'] = { __extn: { fn: 'ip', arg: address } };
  return context;
}

/** An address Cedar's `ip()` accepts: IPv4-mapped IPv6 as plain IPv4, zone ids dropped. */
function ipOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  const bare = plain.split('%')[0]!;
  return /^[0-9a-fA-F:.]+$/.test(bare) ? bare : undefined;
}

const WEEKDAYS: Record<string, string> = {
  Mon: 'Mon',
  Tue: 'Tue',
  Wed: 'Wed',
  Thu: 'Thu',
  Fri: 'Fri',
  Sat: 'Sat',
  Sun: 'Sun',
};
const formatters = new Map<string, Intl.DateTimeFormat>();
let lastClock: { minute: number; timezone: string; value: Record<string, CedarValue> } | undefined;

/** Wall-clock time to the minute in `timezone` (an IANA name), e.g. business hours in the office's zone. */
export function clockOf(nowMs: number, timezone: string): Record<string, CedarValue> {
  const minute = Math.floor(nowMs / 60_000);
  if (lastClock && lastClock.minute === minute && lastClock.timezone === timezone) return lastClock.value;
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timezone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(minute * 60_000))) parts[part.type] = part.value;
  const value: Record<string, CedarValue> = {
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    weekday: WEEKDAYS[parts['weekday'] ?? ''] ?? '',
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    timezone,
  };
  lastClock = { minute, timezone, value };
  return value;
}

/** True when `timezone` is an IANA zone this Node knows (checked when the config loads). */
export function isTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export function serverEntity(server: string, labels: readonly string[]): CedarEntity {
  return { uid: { type: 'Server', id: server }, attrs: { name: server, labels: [...labels] }, parents: [] };
}

/** Labels and risk of one item: from config now, from integrity and detection findings as they arrive. */
export interface ItemMarks {
  readonly labels: readonly string[];
  readonly risk: number;
}

const NO_MARKS: ItemMarks = { labels: [], risk: 0 };

/** The MCP defaults apply to hints a tool leaves out (2025-11-25 schema). */
function annotationsOf(tool: JsonObject): Record<string, CedarValue> {
  const a = isObject(tool['annotations']) ? tool['annotations'] : {};
  const flag = (name: string, fallback: boolean) =>
    typeof a[name] === 'boolean' ? (a[name] as boolean) : fallback;
  return {
    readOnlyHint: flag('readOnlyHint', false),
    destructiveHint: flag('destructiveHint', true),
    idempotentHint: flag('idempotentHint', false),
    openWorldHint: flag('openWorldHint', true),
  };
}

/** A tool as its upstream lists it (own name), under its exposed name. */
export function toolEntity(
  server: string,
  exposedName: string,
  tool: JsonObject,
  marks = NO_MARKS,
): CedarEntity {
  return {
    uid: { type: 'Tool', id: exposedName },
    attrs: {
      name: String(tool['name'] ?? ''),
      exposedName,
      server,
      annotations: annotationsOf(tool),
      labels: [...marks.labels],
      risk: marks.risk,
    },
    parents: [{ type: 'Server', id: server }],
  };
}

export function promptEntity(
  server: string,
  exposedName: string,
  prompt: JsonObject,
  marks = NO_MARKS,
): CedarEntity {
  return {
    uid: { type: 'Prompt', id: exposedName },
    attrs: {
      name: String(prompt['name'] ?? ''),
      exposedName,
      server,
      labels: [...marks.labels],
      risk: marks.risk,
    },
    parents: [{ type: 'Server', id: server }],
  };
}

/** A resource by its exposed URI; `templates` are the exposed URI templates it matches (its parents too). */
export function resourceEntity(
  server: string,
  uri: string,
  upstreamUri: string,
  mimeType: string | undefined,
  templates: readonly string[],
  marks = NO_MARKS,
): CedarEntity {
  return {
    uid: { type: 'Resource', id: uri },
    attrs: {
      uri,
      upstreamUri,
      server,
      mimeType: mimeType ?? '',
      labels: [...marks.labels],
      risk: marks.risk,
    },
    parents: [{ type: 'Server', id: server }, ...templates.map((id) => ({ type: 'ResourceTemplate', id }))],
  };
}

export function templateEntity(
  server: string,
  uriTemplate: string,
  upstreamUriTemplate: string,
  marks = NO_MARKS,
): CedarEntity {
  return {
    uid: { type: 'ResourceTemplate', id: uriTemplate },
    attrs: { uriTemplate, upstreamUriTemplate, server, labels: [...marks.labels], risk: marks.risk },
    parents: [{ type: 'Server', id: server }],
  };
}

export function catalogEntity(kind: string): CedarEntity {
  return { uid: { type: 'Catalog', id: kind }, attrs: {}, parents: [] };
}
