// Cedar policies end to end: one decision function for lists and calls (a tool absent from a principal's list is
// refused when its name is guessed), argument constraints typed from the tools' input schemas, resources by
// template, prompts, the `list` action itself, refusals with stable codes and the deciding policy ids, audit
// events naming the policies, and hot reload (a broken file is rejected and the previous set stays in force).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { type LocalIssuer, startLocalIssuer } from '../helpers/local-issuer.ts';
import {
  type HttpAnswer,
  LegacyClient,
  MODERN,
  modernMeta,
  openStream,
  rpcError,
} from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';

/** The details of the config_changed events in the audit log of `stateDir`. */
async function configChanges(stateDir: string): Promise<Record<string, unknown>[]> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const found: Record<string, unknown>[] = [];
      for await (const entry of reader.entries()) {
        const event = parseLeaf(entry.leaf)?.event;
        if (event?.['decision'] === 'config_changed') found.push(event['detail'] as Record<string, unknown>);
      }
      return found;
    });
  } finally {
    await store.close();
  }
}

/** The JSON-RPC error's data of a refused request (fails when the request was not refused). */
const errorData = (answer: HttpAnswer) => rpcError(answer).data as Record<string, unknown>;

const BUSINESS = path.join(REPO, 'test/fixtures/business-server.ts');
const RESOURCE = 'http://rampart.test/mcp';

const POLICIES = `
// Everyone may ask for lists; what they see is what they may use.
@id("lists")
permit(principal, action == Action::"list", resource)
unless { principal in Group::"blocked" };

@id("readers-read-data")
permit(principal in Group::"readers", action == Action::"call", resource == Tool::"biz__read_file")
when { context.arguments has path && context.arguments.path like "/data/*" };

@id("readers-fetch-allowed-hosts")
permit(principal in Group::"readers", action == Action::"call", resource == Tool::"biz__fetch")
when { context.arguments has host && ["api.example.com", "docs.example.com"].contains(context.arguments.host) };

@id("no-dotdot")
@reason("Paths must not contain '..'.")
forbid(principal, action == Action::"call", resource in Server::"biz")
when { context.arguments has path && context.arguments.path like "*..*" };

@id("finance-pay")
permit(principal in Group::"finance", action == Action::"call", resource == Tool::"biz__pay")
when { context.arguments has currency && context.arguments.currency == "EUR" };

// "ticket" is declared by no tool: reading it errors, and an errored forbid denies (fail closed).
@id("pay-needs-ticket")
forbid(principal, action == Action::"call", resource == Tool::"biz__pay")
when { context.arguments.ticket == "" };

@id("public-docs")
permit(principal, action in [Action::"read", Action::"subscribe"], resource)
when {
  (resource has upstreamUri && resource.upstreamUri like "docs://public/*") ||
  (resource has upstreamUriTemplate && resource.upstreamUriTemplate like "docs://public/*")
};

@id("summaries")
permit(principal in Group::"readers", action == Action::"get", resource == Prompt::"biz__summarize");
`;

describe('Cedar policies end to end', () => {
  let idp: LocalIssuer;
  let gw: Started;
  let dir: string;
  let policyFile: string;
  const token = (sub: string, groups: string[]) => idp.sign({ sub, groups });
  const client = async (sub: string, groups: string[]) => {
    const c = new LegacyClient(gw.url, {}, { authorization: `Bearer ${await token(sub, groups)}` });
    await c.initialize();
    return c;
  };
  const names = (result: Record<string, unknown>, key: string, field = 'name') =>
    (result[key] as Record<string, unknown>[]).map((t) => String(t[field])).sort();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-policy-'));
    policyFile = path.join(dir, 'base.cedar');
    writeFileSync(policyFile, POLICIES);
    idp = await startLocalIssuer(RESOURCE);
    gw = await startRampart({
      servers: [{ name: 'biz', command: NODE, args: [BUSINESS] }],
      auth: { resource: RESOURCE, issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }] },
      policy: { files: [policyFile] },
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists exactly the tools each principal may call', async () => {
    const alice = await client('alice', ['readers']);
    assert.deepEqual(names(await alice.result('tools/list'), 'tools'), ['biz__fetch', 'biz__read_file']);
    const bob = await client('bob', ['finance']);
    assert.deepEqual(names(await bob.result('tools/list'), 'tools'), ['biz__pay']);
    const eve = await client('eve', []);
    assert.deepEqual(names(await eve.result('tools/list'), 'tools'), []);
  });

  it('refuses a tool absent from the list even when its name is guessed, naming the policies', async () => {
    const alice = await client('alice', ['readers']);
    const answer = await alice.request('tools/call', {
      name: 'biz__delete_file',
      arguments: { path: '/data/x' },
    });
    const error = errorData(answer);
    assert.equal(error['code'], 'RAMPART_POLICY_DENIED');
    assert.deepEqual(error['policies'], []);
    assert.equal(typeof error['reason'], 'string');
    const event = gw.events.findLast((e) => e.method === 'tools/call');
    assert.equal(event?.decision, 'denied');
    assert.equal(event?.code, 'RAMPART_POLICY_DENIED');
    assert.deepEqual(event?.ruleIds, ['policy:default-deny']);
  });

  it('decides on the arguments: path prefix, allowed hosts, a forbid with a reason', async () => {
    const alice = await client('alice', ['readers']);
    const ok = await alice.result('tools/call', {
      name: 'biz__read_file',
      arguments: { path: '/data/report.txt' },
    });
    assert.match(JSON.stringify(ok), /report\.txt/);
    assert.deepEqual(gw.events.findLast((e) => e.method === 'tools/call')?.ruleIds, [
      'policy:readers-read-data',
    ]);

    const outside = await alice.request('tools/call', {
      name: 'biz__read_file',
      arguments: { path: '/etc/passwd' },
    });
    assert.equal(errorData(outside)['code'], 'RAMPART_POLICY_DENIED');

    const traversal = await alice.request('tools/call', {
      name: 'biz__read_file',
      arguments: { path: '/data/../etc/passwd' },
    });
    const error = errorData(traversal);
    assert.equal(error['code'], 'RAMPART_POLICY_DENIED');
    assert.deepEqual(error['policies'], ['no-dotdot']);
    assert.equal(error['reason'], "Paths must not contain '..'.");

    const host = await alice.result('tools/call', {
      name: 'biz__fetch',
      arguments: { host: 'api.example.com' },
    });
    assert.match(JSON.stringify(host), /api\.example\.com/);
    const evil = await alice.request('tools/call', {
      name: 'biz__fetch',
      arguments: { host: 'evil.example.net' },
    });
    assert.equal(errorData(evil)['code'], 'RAMPART_POLICY_DENIED');
  });

  it('refuses an argument that does not have its declared type instead of skipping the policy', async () => {
    const alice = await client('alice', ['readers']);
    const answer = await alice.request('tools/call', { name: 'biz__read_file', arguments: { path: 42 } });
    const error = errorData(answer);
    assert.equal(error['code'], 'RAMPART_ARGUMENT_TYPE');
    assert.equal(error['path'], 'arguments.path');
  });

  it('a forbid that cannot be evaluated denies rather than being skipped', async () => {
    const bob = await client('bob', ['finance']);
    // pay-needs-ticket reads an argument pay does not declare: it errors, and an errored forbid denies.
    const missing = await bob.request('tools/call', {
      name: 'biz__pay',
      arguments: { amount: 10, currency: 'EUR' },
    });
    const error = errorData(missing);
    assert.equal(error['code'], 'RAMPART_POLICY_DENIED');
    assert.deepEqual(error['policies'], ['pay-needs-ticket']);
    // Still listed: a call that carries `ticket` could be allowed.
    assert.deepEqual(names(await bob.result('tools/list'), 'tools'), ['biz__pay']);
  });

  it('filters resources and templates by the same read decision, and refuses reading a private one', async () => {
    const eve = await client('eve', []);
    const resources = await eve.result('resources/list');
    assert.deepEqual(names(resources, 'resources', 'name'), ['readme']);
    const templates = await eve.result('resources/templates/list');
    assert.equal((templates['resourceTemplates'] as unknown[]).length, 1);
    const readme = (resources['resources'] as Record<string, string>[])[0]!;
    const read = await eve.result('resources/read', { uri: readme['uri'] });
    assert.match(JSON.stringify(read), /docs:\/\/public\/readme/);
    const privateUri = readme['uri']!.replace('public%2Freadme', 'private%2Fsalaries');
    const refused = await eve.request('resources/read', { uri: privateUri });
    assert.equal(errorData(refused)['code'], 'RAMPART_POLICY_DENIED');
    const subscribe = await eve.request('resources/subscribe', { uri: privateUri });
    assert.equal(errorData(subscribe)['code'], 'RAMPART_POLICY_DENIED');
  });

  it('filters prompts and decides prompts/get and completions on the prompt', async () => {
    const alice = await client('alice', ['readers']);
    assert.deepEqual(names(await alice.result('prompts/list'), 'prompts'), ['biz__summarize']);
    await alice.result('prompts/get', { name: 'biz__summarize', arguments: { topic: 'q3' } });
    // Prompt arguments are strings (MCP): anything else is refused before a policy could misread it.
    const numeric = await alice.request('prompts/get', { name: 'biz__summarize', arguments: { topic: 3 } });
    assert.equal(errorData(numeric)['code'], 'RAMPART_ARGUMENT_TYPE');
    const hidden = await alice.request('prompts/get', { name: 'biz__internal_review' });
    assert.equal(errorData(hidden)['code'], 'RAMPART_POLICY_DENIED');
    const completion = await alice.request('completion/complete', {
      ref: { type: 'ref/prompt', name: 'biz__summarize' },
      argument: { name: 'topic', value: 'a' },
    });
    // No policy permits `complete`: refused like any other unpermitted action.
    assert.equal(errorData(completion)['code'], 'RAMPART_POLICY_DENIED');
  });

  it('refuses a list request itself when the `list` action is not permitted', async () => {
    const mallory = await client('mallory', ['readers', 'blocked']);
    const answer = await mallory.request('tools/list');
    const error = errorData(answer);
    assert.equal(error['code'], 'RAMPART_POLICY_DENIED');
  });

  it('hot-reloads the files and keeps the previous set when a change is invalid', async () => {
    const policies = gw.rampart.policies!;
    const before = policies.engine.digest;
    writeFileSync(
      policyFile,
      `${POLICIES}\n@id("readers-delete")\npermit(principal in Group::"readers", action == Action::"call", resource == Tool::"biz__delete_file");\n`,
    );
    assert.equal(policies.reload(), true);
    assert.notEqual(policies.engine.digest, before);
    const alice = await client('alice', ['readers']);
    assert.ok(names(await alice.result('tools/list'), 'tools').includes('biz__delete_file'));

    const working = policies.engine.digest;
    writeFileSync(
      policyFile,
      `${POLICIES}\npermit(principal, action == Action::"call", resource) when { context.nope };\n`,
    );
    assert.equal(policies.reload(), false);
    assert.equal(policies.engine.digest, working);
    assert.ok(names(await alice.result('tools/list'), 'tools').includes('biz__delete_file'));
    writeFileSync(policyFile, POLICIES);
    assert.equal(policies.reload(), true);
  });

  it('reloads by itself when a file changes, and records the new set in the audit log', async () => {
    const policies = gw.rampart.policies!;
    const applied = new Promise<boolean>((resolve) => {
      const off = policies.onChange((ok) => {
        off();
        resolve(ok);
      });
    });
    writeFileSync(
      policyFile,
      `${POLICIES}\n@id("watched")\npermit(principal, action == Action::"get", resource);\n`,
    );
    assert.equal(await applied, true);
    assert.ok(policies.engine.policy('watched'));
    const digest = policies.engine.digest;
    let recorded: Record<string, unknown> | undefined;
    for (let i = 0; i < 500 && !recorded; i++) {
      recorded = (await configChanges(gw.rampart.config.stateDir)).find(
        (d) => (d['policy'] as { sha256?: string } | undefined)?.sha256 === digest,
      );
      if (!recorded) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(recorded, 'a config_changed event names the new policy set');
    const rejected = new Promise<boolean>((resolve) => {
      const off = policies.onChange((ok) => {
        off();
        resolve(ok);
      });
    });
    writeFileSync(policyFile, `${POLICIES}\npermit(principal,, action, resource);\n`);
    assert.equal(await rejected, false);
    assert.ok(policies.engine.policy('watched'), 'the previous set stays in force');
  });

  it('acknowledges only the resource subscriptions of a listen stream that policy allows', async () => {
    const readme = 'rampart://biz/docs%3A%2F%2Fpublic%2Freadme';
    const salaries = 'rampart://biz/docs%3A%2F%2Fprivate%2Fsalaries';
    const listen = await openStream(gw.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await token('eve', [])}`,
        'mcp-protocol-version': MODERN,
        'mcp-method': 'subscriptions/listen',
      },
      body: {
        jsonrpc: '2.0',
        id: 'listen-1',
        method: 'subscriptions/listen',
        params: { _meta: modernMeta(), notifications: { resourceSubscriptions: [readme, salaries] } },
      },
    });
    const ack = await listen.next(() => true);
    listen.close();
    assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
    assert.deepEqual((ack['params'] as { notifications: unknown }).notifications, {
      resourceSubscriptions: [readme],
    });
  });
});
