// The argument guard: a tools/call whose guarded parameter fails its rule is denied with the kind's stable code
// (JSON-RPC -32602) and `data.parameter`; unguarded tools, other methods and valid arguments pass. Config is
// parsed through the schema (defaults, one kind per rule); DNS and the filesystem are injected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argumentGuardsSchema } from '../../src/config/argument-guards-schema.ts';
import type { DownstreamCall } from '../../src/core/call.ts';
import type { JsonObject } from '../../src/core/jsonrpc.ts';
import { ERRORS, JSONRPC } from '../../src/errors.ts';
import { argumentGuard } from '../../src/guards/argument-guards.ts';
import { downstreamCall } from '../helpers/downstream-call.ts';

function call(params: JsonObject, method = 'tools/call'): DownstreamCall {
  return downstreamCall(params, { method });
}

// A filesystem with no symlinks: every path under /srv/data exists as itself.
const fs = {
  realpath: async (path: string) => {
    if (path === '/srv/data' || path.startsWith('/srv/data/docs')) return path;
    if (path === '/' || path === '/srv') return path;
    throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  },
};
const resolve = async (host: string) => (host === 'intranet.example.com' ? ['10.0.0.1'] : ['93.184.215.14']);

const rules = argumentGuardsSchema.parse([
  { tool: 'files__*', parameter: 'path', path: { roots: ['/srv/data'] } },
  { tool: 'web__fetch', parameter: '/request/url', url: {} },
  { tool: 'git__log', parameter: 'args', shell: {} },
  { tool: 'db__query', parameter: 'sql', sql: {} },
]);
const guard = argumentGuard(rules, { fs, resolve });

async function check(name: string, args: JsonObject, method = 'tools/call') {
  const params = { name, arguments: args };
  return guard.check({ call: call(params, method), value: params });
}

async function denied(name: string, args: JsonObject, code: string, parameter: string) {
  const result = await check(name, args);
  assert.equal(result.kind, 'deny');
  assert.ok(result.kind === 'deny');
  assert.equal(result.code, code);
  assert.equal(result.data?.parameter, parameter);
}

describe('argumentGuard', () => {
  it('denies each kind with its code and names the parameter', async () => {
    await denied('files__read', { path: '%2e%2e/%2e%2e/etc/passwd' }, 'RAMPART_ARGUMENT_PATH', 'path');
    await denied('files__read', { path: '/srv/data/docs/.env' }, 'RAMPART_ARGUMENT_PATH', 'path');
    await denied(
      'web__fetch',
      { request: { url: 'https://0x7f.1/' } },
      'RAMPART_ARGUMENT_URL',
      '/request/url',
    );
    await denied(
      'web__fetch',
      { request: { url: 'https://intranet.example.com/' } },
      'RAMPART_ARGUMENT_URL',
      '/request/url',
    );
    await denied('git__log', { args: ['--oneline', 'x'] }, 'RAMPART_ARGUMENT_SHELL', 'args');
    await denied('git__log', { args: ['HEAD; id'] }, 'RAMPART_ARGUMENT_SHELL', 'args');
    await denied('db__query', { sql: 'select 1; drop table x' }, 'RAMPART_ARGUMENT_SQL', 'sql');
    await denied('files__read', { path: 42 }, 'RAMPART_ARGUMENT_PATH', 'path');
  });

  it('uses JSON-RPC invalid params for every code', () => {
    for (const code of [
      'RAMPART_ARGUMENT_PATH',
      'RAMPART_ARGUMENT_URL',
      'RAMPART_ARGUMENT_SHELL',
      'RAMPART_ARGUMENT_SQL',
    ] as const) {
      assert.equal(ERRORS[code].rpc, JSONRPC.INVALID_PARAMS);
    }
  });

  it('passes valid arguments and records the rules applied', async () => {
    const result = await check('files__read', { path: 'docs/a.txt' });
    assert.deepEqual(result, { kind: 'pass', ruleIds: ['argument:path:files__*:path'] });
    assert.equal((await check('web__fetch', { request: { url: 'https://api.example.com/' } })).kind, 'pass');
    assert.equal((await check('git__log', { args: ['HEAD', 'src/index.ts'] })).kind, 'pass');
    assert.equal((await check('db__query', { sql: "select * from t where a = ';drop'" })).kind, 'pass');
  });

  it('passes unguarded tools, absent parameters and other methods', async () => {
    assert.deepEqual(await check('other__tool', { path: '../../etc/passwd' }), { kind: 'pass' });
    assert.equal((await check('files__read', {})).kind, 'pass');
    assert.deepEqual(await check('files__read', { path: '../x' }, 'prompts/get'), { kind: 'pass' });
  });
});

describe('argumentGuardsSchema', () => {
  it('fills defaults and requires exactly one kind per rule', () => {
    const [rule] = argumentGuardsSchema.parse([{ tool: 't', parameter: 'p', url: {} }]);
    assert.deepEqual(rule?.url, { schemes: ['https'], hosts: [], allowPrivate: false });
    const [pathRule] = argumentGuardsSchema.parse([{ tool: 't', parameter: 'p', path: { roots: ['/r'] } }]);
    assert.ok(pathRule?.path?.deny.includes('.ssh'));
    assert.equal(pathRule?.path?.allowWrite, false);
    assert.equal(argumentGuardsSchema.safeParse([{ tool: 't', parameter: 'p' }]).success, false);
    assert.equal(
      argumentGuardsSchema.safeParse([{ tool: 't', parameter: 'p', sql: {}, shell: {} }]).success,
      false,
    );
    assert.equal(
      argumentGuardsSchema.safeParse([{ tool: 't', parameter: 'p', path: { roots: ['rel'] } }]).success,
      false,
    );
  });
});
