// A fixture history for permission reviews: a project directory with a config (a stdio server, an unsigned and
// a signed HTTP server), two policy files, approved pins with old and new approval times, and an audit log
// written through the real audit API at chosen times around `now`. EXPECTED lists exactly what a review at `now`
// (30-day and 90-day limits) must find.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { openAuditLog } from '../../src/audit/open.ts';
import { PinStore } from '../../src/integrity/pin-store.ts';
import { tempDir } from '../audit/helpers.ts';

export const DAY = 86_400_000;

export const MAIN_CEDAR = `// Listing is open to everyone.
@id("list-all")
permit (principal, action == Action::"list", resource);

// Reading notes.
@id("read-notes")
permit (principal, action == Action::"call", resource == Tool::"notes__read");

// Sending mail.
@id("send-mail")
@reason("mail goes out")
permit (
  principal,
  action == Action::"call",
  resource == Tool::"mail__send"
);

// Nobody deletes notes.
@id("no-delete")
forbid (principal, action == Action::"call", resource == Tool::"notes__delete");
`;

/** main.cedar without send-mail: its statement lines go, its comment stays. */
export const MAIN_CEDAR_REVOKED = `// Listing is open to everyone.
@id("list-all")
permit (principal, action == Action::"list", resource);

// Reading notes.
@id("read-notes")
permit (principal, action == Action::"call", resource == Tool::"notes__read");

// Sending mail.

// Nobody deletes notes.
@id("no-delete")
forbid (principal, action == Action::"call", resource == Tool::"notes__delete");
`;

// The first policy has no @id: it is known as extra.cedar:1. The file ends without a newline.
export const EXTRA_CEDAR = `permit (principal in Group::"archivists", action == Action::"call", resource in Server::"docs");

@id("legacy-export") permit (principal, action == Action::"call", resource == Tool::"docs__export"); // export`;

export const EXTRA_CEDAR_REVOKED = `
@id("legacy-export") permit (principal, action == Action::"call", resource == Tool::"docs__export"); // export`;

export const CONFIG_YAML = `stateDir: state
servers:
  - name: notes
    command: node
    args: ["notes-server.js"]
    sandbox: off
  - name: mail
    url: http://127.0.0.1:9/mcp
  - name: docs
    url: http://127.0.0.1:10/mcp
    manifest:
      file: docs.manifest.json
      signature: docs.manifest.sig
      publisherKeys: [publisher.pem]
policy:
  files: [policies/main.cedar, policies/extra.cedar]
`;

export interface Fixture {
  readonly dir: string;
  readonly configPath: string;
  readonly stateDir: string;
  readonly now: number;
}

const USER = { issuer: 'https://idp.example', subject: 'alice', clientId: 'client-a', agent: 'agent-a' };

function call(
  server: string,
  tool: string,
  decision: 'allowed' | 'denied' | 'errored',
  policies: string[],
): AuditEventInput {
  return {
    decision,
    principal: USER,
    sessionId: 's-1',
    requestId: '1',
    server,
    method: 'tools/call',
    name: `${server}__${tool}`,
    code:
      decision === 'denied'
        ? 'RAMPART_POLICY_DENIED'
        : decision === 'errored'
          ? 'RAMPART_UPSTREAM_TIMEOUT'
          : undefined,
    ruleIds: policies.map((p) => `policy:${p}`),
    arguments: { q: 'x' },
    result: decision === 'allowed' ? { content: [] } : undefined,
  };
}

function list(policies: string[]): AuditEventInput {
  return {
    decision: 'allowed',
    principal: USER,
    method: 'tools/list',
    ruleIds: policies.map((p) => `policy:${p}`),
  };
}

/** The audit history: [days before now, event]. Negative days are after `now` and must be ignored. */
const HISTORY: readonly [number, AuditEventInput][] = [
  [120, call('notes', 'read', 'allowed', ['read-notes'])],
  [40, call('mail', 'send', 'allowed', ['send-mail'])],
  [40, list(['list-all'])],
  [10, call('docs', 'export', 'allowed', ['legacy-export'])],
  [3, { decision: 'config_changed', detail: { sha256: 'x' } }],
  [2, call('notes', 'read', 'allowed', ['read-notes'])],
  [2, call('notes', 'delete', 'denied', ['no-delete'])],
  [1, list(['list-all'])],
  // A server no longer configured, and a prompt: neither is a tool of the config.
  [1, call('old', 'thing', 'allowed', ['read-notes'])],
  [
    1,
    { decision: 'allowed', principal: USER, server: 'notes', method: 'prompts/get', name: 'notes__summary' },
  ],
  [-1, call('mail', 'send', 'allowed', ['send-mail'])],
  [-1, call('docs', 'search', 'allowed', ['extra.cedar:1'])],
];

/** [server, kind, key, days before now it was approved, by]. */
const PINS: readonly [string, 'tool' | 'identity', string, number, string][] = [
  ['notes', 'identity', '', 200, 'tofu'],
  ['notes', 'tool', 'read', 200, 'alice'],
  ['notes', 'tool', 'delete', 200, 'alice'],
  ['notes', 'tool', 'archive', 10, 'bob'],
  ['mail', 'tool', 'send', 100, 'tofu'],
  ['docs', 'tool', 'export', 5, 'manifest:acme'],
  ['docs', 'tool', 'search', 5, 'manifest:acme'],
  // A server no longer in the config: not reviewed.
  ['old', 'tool', 'thing', 300, 'carol'],
];

/** Writes the fixture project under a temp dir removed after the test. */
export async function buildFixture(t: { after(fn: () => void): void }, now: number): Promise<Fixture> {
  const dir = tempDir(t, 'rampart-review-');
  mkdirSync(path.join(dir, 'policies'));
  writeFileSync(path.join(dir, 'policies', 'main.cedar'), MAIN_CEDAR);
  writeFileSync(path.join(dir, 'policies', 'extra.cedar'), EXTRA_CEDAR);
  const configPath = path.join(dir, 'rampart.yaml');
  writeFileSync(configPath, CONFIG_YAML);
  const stateDir = path.join(dir, 'state');
  let clock = now;
  const log = await openAuditLog(stateDir, { now: () => clock });
  try {
    for (const [daysAgo, event] of HISTORY) {
      clock = now - daysAgo * DAY;
      await log.append(event);
    }
  } finally {
    await log.close();
  }
  const pins = PinStore.open(stateDir);
  try {
    for (const [server, kind, key, daysAgo, by] of PINS) {
      pins.pin(
        [
          {
            server,
            kind,
            key,
            sha256: 'a'.repeat(64),
            definition: { name: key },
            approvedBy: by,
            reason: 'fixture',
          },
        ],
        now - daysAgo * DAY,
      );
    }
  } finally {
    pins.close();
  }
  return { dir, configPath, stateDir, now };
}

/** What a review at `now` must find, in report order: [kind, subject, evidence it must include]. */
export function expectedFindings(now: number): [string, string, Record<string, unknown>][] {
  const iso = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  return [
    [
      'grant.unused',
      'extra.cedar:1',
      { file: 'policies/extra.cedar', line: 1, lastUsed: null, allowedTotal: 0, allowedInPeriod: 0 },
    ],
    [
      'grant.unused',
      'send-mail',
      { file: 'policies/main.cedar', line: 10, lastUsed: iso(40), allowedTotal: 1, allowedInPeriod: 0 },
    ],
    ['tool.never_called', 'docs/search', { exposed: 'docs__search', calls: 0, approvedBy: 'manifest:acme' }],
    ['tool.never_called', 'notes/archive', { exposed: 'notes__archive', calls: 0, approvedAt: iso(10) }],
    ['tool.unused', 'mail/send', { calls: 1, callsInPeriod: 0, lastCall: iso(40) }],
    ['approval.stale', 'mail/tool:send', { approvedBy: 'tofu', ageDays: 100, approvedAt: iso(100) }],
    ['approval.stale', 'notes/identity', { pinKind: 'identity', approvedBy: 'tofu', ageDays: 200 }],
    ['approval.stale', 'notes/tool:delete', { approvedBy: 'alice', ageDays: 200 }],
    ['approval.stale', 'notes/tool:read', { approvedBy: 'alice', ageDays: 200 }],
    ['server.unsigned', 'mail', { transport: 'http' }],
    ['server.unsigned', 'notes', { transport: 'stdio' }],
    ['server.unsandboxed', 'notes', { command: 'node' }],
  ];
}
