// The egress proxy on its own: the allowlist (names, wildcards, ports, IP literals), DNS answers that point at
// private or loopback addresses (rebinding), requests other than CONNECT, and a tunnel that carries bytes both
// ways. Every attempt is reported, allowed or not.
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type EgressAttempt, EgressProxy, parseConnect } from '../../src/sandbox/egress-proxy.ts';
import { HostAllowlist } from '../../src/sandbox/host-allowlist.ts';

describe('HostAllowlist', () => {
  const list = new HostAllowlist(
    ['api.example.com', '*.cdn.example.net', '203.0.113.7:8443', '127.0.0.1:9000'],
    [443],
  );

  it('admits exact names and subdomains of wildcards on the allowed ports', () => {
    assert.equal(list.admits({ host: 'api.example.com', port: 443 }), true);
    assert.equal(list.admits({ host: 'API.Example.com.', port: 443 }), true);
    assert.equal(list.admits({ host: 'a.cdn.example.net', port: 443 }), true);
    assert.equal(
      list.admits({ host: 'cdn.example.net', port: 443 }),
      false,
      'the wildcard is for subdomains',
    );
    assert.equal(list.admits({ host: 'api.example.com', port: 80 }), false);
    assert.equal(list.admits({ host: 'evil-api.example.com', port: 443 }), false);
    assert.equal(list.admits({ host: 'api.example.com.evil.org', port: 443 }), false);
    assert.equal(list.admits({ host: '203.0.113.7', port: 8443 }), true);
    assert.equal(list.admits({ host: '203.0.113.7', port: 443 }), false, 'its own port only');
  });

  it('refuses private, loopback and metadata addresses unless the literal itself is listed', () => {
    const name = { host: 'api.example.com', port: 443 };
    assert.equal(list.admitsAddress(name, '93.184.216.34'), true);
    for (const address of [
      '10.0.0.1',
      '127.0.0.1',
      '169.254.169.254',
      '::1',
      '::ffff:127.0.0.1',
      'fd00::1',
    ]) {
      assert.equal(list.admitsAddress(name, address), false, address);
    }
    assert.equal(list.admitsAddress({ host: '127.0.0.1', port: 9000 }, '127.0.0.1'), true);
  });

  it('does not take numeric spellings of a listed literal', () => {
    for (const host of ['2130706433', '0x7f.1', '127.1', '0177.0.0.1']) {
      assert.equal(list.admits({ host, port: 9000 }), false, host);
    }
  });
});

describe('parseConnect', () => {
  it('reads CONNECT request lines and nothing else', () => {
    assert.deepEqual(parseConnect('CONNECT example.com:443 HTTP/1.1'), { host: 'example.com', port: 443 });
    assert.deepEqual(parseConnect('CONNECT [::1]:8443 HTTP/1.1'), { host: '[::1]', port: 8443 });
    assert.equal(parseConnect('GET http://example.com/ HTTP/1.1'), undefined);
    assert.equal(parseConnect('CONNECT example.com:99999 HTTP/1.1'), undefined);
    assert.equal(parseConnect('CONNECT exa mple.com:443 HTTP/1.1'), undefined);
  });
});

/** Sends `request` to the proxy's socket; resolves with everything it answered until it closed. */
function exchange(socketPath: string, request: string, after200?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    let sent = false;
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (!sent && after200 !== undefined && answer.startsWith('HTTP/1.1 200')) {
        sent = true;
        socket.write(after200);
      }
    });
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('EgressProxy', () => {
  let echo: Server;
  let echoPort: number;
  let proxy: EgressProxy;
  const attempts: EgressAttempt[] = [];

  before(async () => {
    echo = createServer((socket) => socket.on('data', (d) => socket.end(`echo:${d.toString()}`)));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as { port: number }).port;
    proxy = await EgressProxy.start({
      server: 'net',
      allow: [`127.0.0.1:${echoPort}`, `rebind.test:${echoPort}`, 'public.test', 'missing.test'],
      ports: [443],
      onAttempt: (a) => attempts.push(a),
      // Names resolve through this table only: no real DNS in tests.
      resolve: async (host) => {
        const table: Record<string, string[]> = {
          'rebind.test': ['127.0.0.1'],
          'public.test': ['192.0.2.10'],
        };
        if (!table[host]) throw new Error('ENOTFOUND');
        return table[host];
      },
    });
  });
  after(async () => {
    await proxy.close();
    echo.close();
  });

  it('tunnels to an allowlisted address and reports the address it used', async () => {
    const answer = await exchange(proxy.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\n\r\n`, 'ping');
    assert.equal(answer, 'HTTP/1.1 200 Connection Established\r\n\r\necho:ping');
    assert.deepEqual(attempts.at(-1), {
      server: 'net',
      host: '127.0.0.1',
      port: echoPort,
      allowed: true,
      address: '127.0.0.1',
    });
  });

  it('refuses an allowlisted name that resolves to loopback (DNS rebinding)', async () => {
    const answer = await exchange(proxy.socketPath, `CONNECT rebind.test:${echoPort} HTTP/1.1\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 403 /);
    assert.equal(attempts.at(-1)?.reason, 'address_refused');
    assert.equal(attempts.at(-1)?.address, '127.0.0.1');
  });

  it('refuses hosts and ports off the list, and requests other than CONNECT', async () => {
    assert.match(
      await exchange(proxy.socketPath, 'CONNECT other.test:443 HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 403 /,
    );
    assert.equal(attempts.at(-1)?.reason, 'not_allowlisted');
    assert.match(
      await exchange(proxy.socketPath, 'CONNECT public.test:80 HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 403 /,
    );
    assert.match(
      await exchange(proxy.socketPath, 'GET http://public.test/ HTTP/1.1\r\nHost: public.test\r\n\r\n'),
      /^HTTP\/1\.1 405 /,
    );
    assert.equal(attempts.at(-1)?.reason, 'bad_request');
  });

  it('answers 502 for an allowlisted name that does not resolve', async () => {
    assert.match(
      await exchange(proxy.socketPath, 'CONNECT missing.test:443 HTTP/1.1\r\n\r\n'),
      /^HTTP\/1\.1 502 /,
    );
    assert.deepEqual(attempts.at(-1), {
      server: 'net',
      host: 'missing.test',
      port: 443,
      allowed: false,
      reason: 'unresolvable',
    });
  });
});
