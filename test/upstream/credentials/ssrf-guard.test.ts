import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import {
  checkUrl,
  classifyAddress,
  guardedLookup,
  isLoopbackHost,
  policyForUpstream,
  type UrlPolicy,
} from '../../../src/upstream/credentials/ssrf-guard.ts';

const STRICT: UrlPolicy = policyForUpstream('https://mcp.example.com/mcp');
const LOCAL: UrlPolicy = policyForUpstream('http://localhost:3000/mcp');

const blockedCode = (fn: () => unknown) =>
  assert.throws(fn, (err: Error & { code?: string }) => err.code === 'RAMPART_SSRF_BLOCKED');

describe('SSRF guard', () => {
  it('classifies addresses, including IPv4-mapped IPv6', () => {
    assert.equal(classifyAddress('8.8.8.8'), 'public');
    assert.equal(classifyAddress('2606:4700::1111'), 'public');
    assert.equal(classifyAddress('127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('::1'), 'loopback');
    assert.equal(classifyAddress('[::1]'), 'loopback');
    assert.equal(classifyAddress('10.1.2.3'), 'private');
    assert.equal(classifyAddress('172.20.0.1'), 'private');
    assert.equal(classifyAddress('192.168.1.1'), 'private');
    assert.equal(classifyAddress('100.100.100.200'), 'private');
    assert.equal(classifyAddress('fd00:ec2::254'), 'private');
    assert.equal(classifyAddress('169.254.169.254'), 'link-local');
    assert.equal(classifyAddress('fe80::1'), 'link-local');
    assert.equal(classifyAddress('::ffff:169.254.169.254'), 'link-local');
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
    // The same addresses in the other IPv6 spellings that carry an IPv4 address.
    assert.equal(classifyAddress('::ffff:7f00:1'), 'loopback');
    assert.equal(classifyAddress('::7f00:1'), 'loopback');
    assert.equal(classifyAddress('[::127.0.0.1]'), 'loopback');
    assert.equal(classifyAddress('2002:a9fe:a9fe::'), 'link-local');
    assert.equal(classifyAddress('::ffff:a00:1'), 'private');
    assert.equal(classifyAddress('0.0.0.0'), 'reserved');
    assert.equal(classifyAddress('224.0.0.1'), 'reserved');
    assert.equal(classifyAddress('not-an-ip'), 'reserved');
  });

  it('derives the policy from where the upstream is', () => {
    assert.deepEqual(LOCAL, { allowHttp: true, allowLoopback: true, allowPrivate: true });
    assert.deepEqual(policyForUpstream('http://127.0.0.1:9/mcp'), LOCAL);
    assert.deepEqual(policyForUpstream('http://[::1]:9/mcp'), LOCAL);
    assert.deepEqual(STRICT, { allowHttp: false, allowLoopback: false, allowPrivate: false });
    assert.deepEqual(policyForUpstream('https://10.0.0.5/mcp'), {
      allowHttp: false,
      allowLoopback: false,
      allowPrivate: true,
    });
    assert.ok(isLoopbackHost('api.localhost'));
    assert.ok(!isLoopbackHost('localhost.example.com'));
  });

  it('allows https to public hosts and refuses other schemes for a remote upstream', () => {
    assert.equal(checkUrl('https://as.example.com/token', STRICT, 'x').host, 'as.example.com');
    blockedCode(() => checkUrl('http://as.example.com/token', STRICT, 'x'));
    blockedCode(() => checkUrl('javascript:alert(1)', STRICT, 'x'));
    blockedCode(() => checkUrl('file:///etc/passwd', STRICT, 'x'));
    blockedCode(() => checkUrl('data:text/plain,hi', STRICT, 'x'));
    blockedCode(() => checkUrl('not a url', STRICT, 'x'));
    blockedCode(() => checkUrl('https://user:pw@as.example.com/', STRICT, 'x'));
  });

  it('refuses literal loopback, private, link-local and metadata addresses for a remote upstream', () => {
    blockedCode(() => checkUrl('https://127.0.0.1/x', STRICT, 'x'));
    blockedCode(() => checkUrl('https://localhost/x', STRICT, 'x'));
    blockedCode(() => checkUrl('https://10.0.0.1/x', STRICT, 'x'));
    blockedCode(() => checkUrl('https://[fd00::1]/x', STRICT, 'x'));
    blockedCode(() => checkUrl('https://169.254.169.254/latest/meta-data', STRICT, 'x'));
    blockedCode(() => checkUrl('https://[::ffff:a9fe:a9fe]/x', STRICT, 'x'));
  });

  it('lets a loopback upstream use http and local addresses, but never link-local', () => {
    assert.ok(checkUrl('http://localhost:4000/.well-known/x', LOCAL, 'x'));
    assert.ok(checkUrl('http://192.168.0.10/x', LOCAL, 'x'));
    blockedCode(() => checkUrl('http://169.254.169.254/x', LOCAL, 'x'));
  });

  it('checks the resolved addresses of a name at connection time', async () => {
    const resolver =
      (answers: LookupAddress[]) =>
      (_host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
        cb(null, answers);
    const run = (answers: LookupAddress[], all: boolean) =>
      new Promise<{ err: (Error & { code?: string }) | null; address: unknown }>((resolve) =>
        guardedLookup(STRICT, resolver(answers))('as.example.com', { all }, (err, address) =>
          resolve({ err, address }),
        ),
      );
    const ok = await run([{ address: '93.184.215.14', family: 4 }], false);
    assert.equal(ok.err, null);
    assert.equal(ok.address, '93.184.215.14');
    const list = await run([{ address: '93.184.215.14', family: 4 }], true);
    assert.deepEqual(list.address, [{ address: '93.184.215.14', family: 4 }]);
    // One bad answer among good ones is enough to refuse (the socket may pick any of them).
    const rebinding = await run(
      [
        { address: '93.184.215.14', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
      true,
    );
    assert.equal(rebinding.err?.code, 'RAMPART_SSRF_BLOCKED');
    const none = await run([], false);
    assert.equal(none.err?.code, 'RAMPART_SSRF_BLOCKED');
  });
});
