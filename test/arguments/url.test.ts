// URL arguments: every SSRF spelling of a forbidden address is refused (short, decimal, octal and hex IPv4,
// IPv4-mapped/compatible IPv6, metadata endpoints and names), every resolved address is checked through the
// injected resolver (never real DNS), the vetted address is returned for pinning, and redirects are re-vetted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyArgumentAddress, embeddedIPv4 } from '../../src/arguments/address.ts';
import { type HostResolver, type UrlRules, vetRedirect, vetUrl } from '../../src/arguments/url.ts';

const rules: UrlRules = { schemes: ['https'], hosts: [], allowPrivate: false };
const table: Record<string, readonly string[]> = {
  'api.example.com': ['93.184.215.14'],
  'rebind.example.com': ['93.184.215.14', '10.0.0.5'],
  'internal.example.com': ['192.168.1.10'],
  'v6.example.com': ['2606:4700::1111'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
};
const resolver: HostResolver = async (host) => {
  const answer = table[host];
  if (!answer) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return answer;
};

async function refused(url: string, r: UrlRules = rules): Promise<void> {
  const verdict = await vetUrl(url, r, resolver);
  assert.equal(verdict.ok, false, `${url} should be refused`);
}

describe('vetUrl', () => {
  it('accepts a public https URL and returns the resolved address to pin', async () => {
    const verdict = await vetUrl('https://api.example.com/v1?q=1', rules, resolver);
    assert.ok(verdict.ok);
    assert.equal(verdict.value.address, '93.184.215.14');
    assert.equal(verdict.value.url.hostname, 'api.example.com');
  });

  it('accepts a public IPv6 host', async () => {
    const verdict = await vetUrl('https://v6.example.com/', rules, resolver);
    assert.ok(verdict.ok);
    assert.equal(verdict.value.address, '2606:4700::1111');
  });

  it('refuses other schemes and credentials', async () => {
    await refused('http://api.example.com/');
    await refused('file:///etc/passwd');
    await refused('gopher://api.example.com/');
    await refused('https://user:pw@api.example.com/');
    await refused('not a url');
    await refused('https://api.example.com\\@evil/');
    await refused(' https://api.example.com/');
  });

  for (const url of [
    'https://127.0.0.1/',
    'https://0x7f.1/',
    'https://2130706433/',
    'https://017700000001/',
    'https://127.1/',
    'https://0177.0.0.1/',
    'https://0x7f000001/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://localhost/',
    'https://admin.localhost/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.0.1/',
    'https://100.64.0.1/',
    'https://[fc00::1]/',
    'https://[fe80::1]/',
    'https://224.0.0.1/',
    'https://[ff02::1]/',
    'https://0.0.0.0/',
    'https://[::]/',
    'https://[2002:7f00:1::]/',
    'https://%31%32%37.0.0.1/',
    'https://\uff11\uff12\uff17.0.0.1/',
    'https://0x7f.0.0.1./',
  ]) {
    it(`refuses ${url}`, async () => refused(url));
  }

  it('refuses a name that resolves to a private address, or to one among several', async () => {
    await refused('https://internal.example.com/');
    await refused('https://rebind.example.com/');
    await refused('https://mapped.example.com/');
    await refused('https://unknown.example.com/');
  });

  it('allows private addresses only with allowPrivate, and never loopback or metadata', async () => {
    const open = { ...rules, allowPrivate: true };
    assert.ok((await vetUrl('https://internal.example.com/', open, resolver)).ok);
    assert.ok((await vetUrl('https://10.1.2.3/', open, resolver)).ok);
    await refused('https://127.0.0.1/', open);
    await refused('https://169.254.169.254/', open);
    await refused('https://[fd00:ec2::254]/', open);
  });

  it('enforces the host allowlist with *.suffix', async () => {
    const listed = { ...rules, hosts: ['*.example.com'] };
    assert.ok((await vetUrl('https://api.example.com/', listed, resolver)).ok);
    await refused('https://example.com/', listed);
    await refused('https://api.example.com.evil.test/', listed);
    await refused('https://evilexample.com/', listed);
    const exact = { ...rules, hosts: ['api.example.com'] };
    assert.ok((await vetUrl('https://API.example.com/', exact, resolver)).ok);
    await refused('https://v6.example.com/', exact);
  });
});

describe('vetRedirect', () => {
  it('re-vets the location of a redirect', async () => {
    const ok = await vetRedirect('https://api.example.com/a', '/b', rules, resolver);
    assert.ok(ok.ok);
    assert.equal(ok.value.url.href, 'https://api.example.com/b');
    assert.equal(
      (await vetRedirect('https://api.example.com/a', 'https://169.254.169.254/', rules, resolver)).ok,
      false,
    );
    assert.equal(
      (await vetRedirect('https://api.example.com/a', 'http://api.example.com/', rules, resolver)).ok,
      false,
    );
    assert.equal(
      (await vetRedirect('https://api.example.com/a', 'https://internal.example.com/', rules, resolver)).ok,
      false,
    );
  });
});

describe('classifyArgumentAddress', () => {
  it('judges IPv6 forms carrying IPv4 as the IPv4 address', () => {
    assert.equal(embeddedIPv4('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(embeddedIPv4('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(embeddedIPv4('::a00:1'), '10.0.0.1');
    assert.equal(embeddedIPv4('::1'), undefined);
    assert.equal(classifyArgumentAddress('::ffff:a9fe:a9fe'), 'metadata');
    assert.equal(classifyArgumentAddress('fd00:ec2:0::254'), 'metadata');
    assert.equal(classifyArgumentAddress('::1'), 'loopback');
    assert.equal(classifyArgumentAddress('8.8.8.8'), 'public');
    assert.equal(classifyArgumentAddress('not-an-ip'), 'reserved');
  });
});
