// The property the gateway promises, checked through the real gateway: for generated policy sets and principals,
// an item appears in a principal's tools/list, prompts/list or resources/list if and only if using it (call, get,
// read) is not denied by policy for some arguments. Arguments come from a candidate set that covers every
// argument condition the generator writes (present and absent, matching and not).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type LocalIssuer, startLocalIssuer } from '../helpers/local-issuer.ts';
import { type HttpAnswer, LegacyClient } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';

const BUSINESS = path.join(REPO, 'test/fixtures/business-server.ts');
const RESOURCE = 'http://rampart.test/mcp';

const TOOLS = ['biz__read_file', 'biz__delete_file', 'biz__pay', 'biz__fetch'];
const PROMPTS = ['biz__summarize', 'biz__internal_review'];
const PRINCIPALS = [
  { sub: 'alice', groups: ['readers'] },
  { sub: 'bob', groups: ['finance', 'readers'] },
  { sub: 'eve', groups: [] },
];
/**
 * Every argument condition the generator writes is decided one way or the other by one of these: each value of
 * path, amount and ticket (absent included), in every combination.
 */
const CANDIDATE_ARGUMENTS: Record<string, unknown>[] = [];
for (const path of [undefined, '/data/a', '/data/../x', '/etc/a'])
  for (const amount of [undefined, 10, 5000])
    for (const ticket of [undefined, 'x', 'y']) {
      const args: Record<string, unknown> = {};
      if (path !== undefined) args['path'] = path;
      if (amount !== undefined) args['amount'] = amount;
      if (ticket !== undefined) args['ticket'] = ticket;
      CANDIDATE_ARGUMENTS.push(args);
    }

const principal = fc.constantFrom(
  'principal',
  'principal in Group::"readers"',
  'principal in Group::"finance"',
  'principal == User::"eve"',
);
const toolResource = fc.constantFrom(
  'resource',
  'resource in Server::"biz"',
  'resource is Tool',
  ...TOOLS.map((t) => `resource == Tool::"${t}"`),
);
const toolCondition = fc.constantFrom(
  '',
  'when { resource.annotations.destructiveHint }',
  'when { resource.annotations.readOnlyHint }',
  'when { context.arguments has path && context.arguments.path like "/data/*" }',
  'when { context.arguments has path && context.arguments.path like "*..*" }',
  'when { context.arguments has amount && context.arguments.amount > 1000 }',
  'unless { context.arguments has amount }',
  // No tool declares `ticket`: reading it without `has` errors when it is absent (an errored forbid denies).
  'when { context.arguments.ticket == "x" }',
);
const toolPolicy = fc
  .tuple(fc.constantFrom('permit', 'forbid'), principal, toolResource, toolCondition)
  .map(([effect, p, r, c]) => `${effect}(${p}, action == Action::"call", ${r}) ${c};`);
const promptPolicy = fc
  .tuple(
    fc.constantFrom('permit', 'forbid'),
    principal,
    fc.constantFrom('resource', 'resource is Prompt', ...PROMPTS.map((p) => `resource == Prompt::"${p}"`)),
  )
  .map(([effect, p, r]) => `${effect}(${p}, action == Action::"get", ${r});`);
const resourcePolicy = fc
  .tuple(
    fc.constantFrom('permit', 'forbid'),
    principal,
    fc.constantFrom(
      'when { resource has upstreamUri && resource.upstreamUri like "docs://public/*" }',
      'when { resource has upstreamUri && resource.upstreamUri like "docs://private/*" }',
      '',
    ),
  )
  .map(([effect, p, c]) => `${effect}(${p}, action == Action::"read", resource) ${c};`);
const policySet = fc
  .tuple(
    fc.array(toolPolicy, { minLength: 0, maxLength: 6 }),
    fc.array(promptPolicy, { maxLength: 3 }),
    fc.array(resourcePolicy, { maxLength: 3 }),
  )
  .map(([t, p, r]) =>
    ['permit(principal, action == Action::"list", resource);', ...t, ...p, ...r].join('\n'),
  );

const denied = (answer: HttpAnswer) => {
  const error = answer.response?.['error'] as { data?: { code?: string } } | undefined;
  return error?.data?.code === 'RAMPART_POLICY_DENIED';
};

describe('list filtering matches enforcement (generated policies, real gateway)', () => {
  let idp: LocalIssuer;
  let gw: Started;
  let dir: string;
  let file: string;
  const clients = new Map<string, LegacyClient>();
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-policy-prop-'));
    file = path.join(dir, 'p.cedar');
    writeFileSync(file, 'permit(principal, action == Action::"list", resource);');
    idp = await startLocalIssuer(RESOURCE);
    gw = await startRampart({
      servers: [{ name: 'biz', command: NODE, args: [BUSINESS] }],
      auth: { resource: RESOURCE, issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }] },
      policy: { files: [file], watch: false },
    });
    for (const p of PRINCIPALS) {
      const client = new LegacyClient(gw.url, {}, { authorization: `Bearer ${await idp.sign(p)}` });
      await client.initialize();
      clients.set(p.sub, client);
    }
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an item is listed exactly when some use of it is not denied', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, async (text) => {
        writeFileSync(file, text);
        assert.equal(gw.rampart.policies!.reload(), true, text);
        for (const p of PRINCIPALS) {
          const client = clients.get(p.sub)!;
          const tools = ((await client.result('tools/list'))['tools'] as { name: string }[]).map(
            (t) => t.name,
          );
          for (const tool of TOOLS) {
            let usable = false;
            for (const args of CANDIDATE_ARGUMENTS) {
              const answer = await client.request('tools/call', { name: tool, arguments: args });
              if (!denied(answer)) {
                usable = true;
                break;
              }
            }
            assert.equal(tools.includes(tool), usable, `${p.sub} ${tool}\n${text}`);
          }
          const prompts = ((await client.result('prompts/list'))['prompts'] as { name: string }[]).map(
            (x) => x.name,
          );
          for (const prompt of PROMPTS) {
            const answer = await client.request('prompts/get', { name: prompt, arguments: { topic: 't' } });
            assert.equal(prompts.includes(prompt), !denied(answer), `${p.sub} ${prompt}\n${text}`);
          }
          const resources = (await client.result('resources/list'))['resources'] as { uri: string }[];
          const listed = new Set(resources.map((r) => r.uri));
          for (const uri of ['public%2Freadme', 'private%2Fsalaries'].map(
            (s) => `rampart://biz/docs%3A%2F%2F${s}`,
          )) {
            const answer = await client.request('resources/read', { uri });
            assert.equal(listed.has(uri), !denied(answer), `${p.sub} ${uri}\n${text}`);
          }
        }
      }),
      { numRuns: 20, seed: 20261124 },
    );
  });
});
