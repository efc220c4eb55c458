// A stdio server under bubblewrap, end to end: test/fixtures/escape-server.ts tries to read /etc/shadow, ~/.ssh
// and a secret outside its directory, write outside its directory, see other processes and Rampart's environment,
// open network sockets, fork without bound and allocate without bound. Each attempt is contained, and the server
// still keeps its notes in the one directory it was given. A second server reaches the network only through
// Rampart's egress proxy: an allowlisted host works, anything else is refused, and every attempt is audited.
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { findExecutable } from '../../src/sandbox/executables.ts';
import { auditEvents } from '../helpers/audit-events.ts';
import { LegacyClient, rpcError } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';
import { serveRampart } from '../helpers/rampart-serve.ts';

const ESCAPE = path.join(REPO, 'test/fixtures/escape-server.ts');
const SANDBOX_UID = 65_534;
const RAMPART_SECRET = 'rampart-own-secret-7f3a9c';

/** What the escape server's tools answer (each tool fills its own fields). */
interface Probe {
  ok?: boolean;
  value?: unknown;
  code?: string;
  body?: string;
  uid?: number;
  gid?: number;
  hostname?: string;
  home?: string;
  env?: Record<string, string>;
  pids?: string[];
  started?: number;
  refused?: number;
  mb?: number;
  opened?: number;
  namespaces?: Record<string, string>;
  status?: Record<string, string>;
}

async function call(client: LegacyClient, name: string, args: Record<string, unknown> = {}): Promise<Probe> {
  const result = await client.result('tools/call', { name, arguments: args });
  const content = result['content'] as Array<{ text: string }>;
  return JSON.parse(content[0]!.text) as Probe;
}

interface AuditRecord {
  decision: string;
  method: string | null;
  name: string | null;
  server: string | null;
  code: string | null;
  detail: Record<string, unknown> | null;
}

describe('sandboxed stdio servers', () => {
  let gw: Started;
  let client: LegacyClient;
  let work: string;
  let dataDir: string;
  let secretDir: string;
  let stateDir: string;
  let web: Server;
  let webPort: number;
  let otherWeb: Server;
  let otherPort: number;
  let sshProbe: string;
  let createdSshDir = false;

  before(async () => {
    assert.ok(findExecutable('bwrap'), 'bubblewrap must be installed (apt-get install bubblewrap)');
    work = mkdtempSync(path.join(tmpdir(), 'rampart-sandbox-'));
    stateDir = path.join(work, 'state');
    dataDir = path.join(work, 'data');
    secretDir = path.join(work, 'secret');
    mkdirSync(dataDir);
    mkdirSync(secretDir);
    writeFileSync(path.join(secretDir, 'token.txt'), 'outside-secret');
    // The data directory is the server's own; as root the sandbox runs as an unprivileged uid that must own it
    // (and reach it: the temporary directory above it may be passed through, not listed).
    chmodSync(work, 0o711);
    if (process.getuid?.() === 0) chownSync(dataDir, SANDBOX_UID, SANDBOX_UID);
    const sshDir = path.join(homedir(), '.ssh');
    if (!existsSync(sshDir)) {
      mkdirSync(sshDir, { mode: 0o700 });
      createdSshDir = true;
    }
    sshProbe = path.join(sshDir, `rampart-sandbox-probe-${process.pid}`);
    writeFileSync(sshProbe, 'PRIVATE KEY', { mode: 0o600 });
    const answer = (body: string) => createServer((_req, res) => res.end(body));
    web = answer('hello from the allowlisted host');
    otherWeb = answer('should never be reached');
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => otherWeb.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as { port: number }).port;
    otherPort = (otherWeb.address() as { port: number }).port;
    process.env['RAMPART_TEST_OWN_SECRET'] = RAMPART_SECRET;
    gw = await startRampart({
      stateDir,
      servers: [
        {
          name: 'jail',
          command: NODE,
          args: [ESCAPE, '--data', dataDir],
          env: { NOTE_PREFIX: 'configured' },
          sandbox: { paths: [{ path: dataDir, mode: 'rw' }], limits: { processes: 48 } },
        },
        {
          name: 'net',
          command: NODE,
          args: [ESCAPE, '--data', dataDir],
          sandbox: { network: { egress: { allow: [`127.0.0.1:${webPort}`, 'example.invalid'] } } },
        },
      ],
    });
    client = new LegacyClient(gw.url);
    await client.initialize();
  });

  after(async () => {
    delete process.env['RAMPART_TEST_OWN_SECRET'];
    await gw?.stop();
    web?.close();
    otherWeb?.close();
    rmSync(sshProbe, { force: true });
    if (createdSshDir) rmSync(path.join(homedir(), '.ssh'), { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('still does its own job: notes written in its directory reach the host', async () => {
    assert.deepEqual(await call(client, 'jail__note_write', { name: 'a.txt', text: 'remember' }), {
      ok: true,
    });
    assert.deepEqual(await call(client, 'jail__note_read', { name: 'a.txt' }), {
      ok: true,
      value: 'remember',
    });
    assert.equal(readFileSync(path.join(dataDir, 'a.txt'), 'utf8'), 'remember');
  });

  it('runs as an unprivileged user in its own namespaces', async () => {
    const me = await call(client, 'jail__whoami');
    assert.equal(me.uid, 65_534);
    assert.equal(me.gid, 65_534);
    assert.equal(me.hostname, 'sandbox');
    assert.equal(me.home, '/home/sandbox');
    for (const ns of ['pid', 'ipc', 'uts', 'net', 'user', 'mnt']) {
      assert.notEqual(me.namespaces?.[ns], readlinkSync(`/proc/self/ns/${ns}`), `a new ${ns} namespace`);
    }
    assert.deepEqual(me.status, {
      NoNewPrivs: '1',
      // Mode 2: a seccomp filter is installed (src/sandbox/seccomp.ts).
      Seccomp: '2',
      CapInh: '0000000000000000',
      CapPrm: '0000000000000000',
      CapEff: '0000000000000000',
      CapBnd: '0000000000000000',
      CapAmb: '0000000000000000',
    });
  });

  it('cannot create a nested user namespace', async () => {
    const nested = await call(client, 'jail__unshare');
    assert.equal(nested.ok, false);
    assert.match(String(nested.code), /^exit [1-9]/);
  });

  it('cannot read /etc/shadow, ~/.ssh or files outside what was bound', async () => {
    const shadow = await call(client, 'jail__read_file', { path: '/etc/shadow' });
    assert.ok(!shadow.ok || !String(shadow.value).includes('root:'), 'shadow must not be readable');
    assert.equal(readFileSync('/etc/shadow', 'utf8').includes('root:'), process.getuid?.() === 0);
    const ssh = await call(client, 'jail__read_file', { path: sshProbe });
    assert.deepEqual(ssh, { ok: false, code: 'ENOENT' });
    const outside = await call(client, 'jail__read_file', {
      path: path.join(secretDir, 'token.txt'),
    });
    assert.deepEqual(outside, { ok: false, code: 'ENOENT' });
    const state = await call(client, 'jail__list_dir', { path: stateDir });
    assert.deepEqual(state, { ok: false, code: 'ENOENT' });
  });

  it('cannot write outside its directory', async () => {
    assert.deepEqual(await call(client, 'jail__write_file', { path: '/etc/rampart-escape' }), {
      ok: false,
      code: 'EROFS',
    });
    assert.deepEqual(
      await call(client, 'jail__write_file', { path: path.join(ESCAPE, '..', 'dropped.ts') }),
      {
        ok: false,
        code: 'EROFS',
      },
    );
    assert.deepEqual(await call(client, 'jail__write_file', { path: path.join(secretDir, 'dropped') }), {
      ok: false,
      code: 'ENOENT',
    });
    assert.equal(existsSync(path.join(secretDir, 'dropped')), false);
    assert.equal(existsSync(path.join(REPO, 'test/fixtures/dropped.ts')), false);
    // Its /tmp is private: what it writes there is not the host's /tmp.
    assert.deepEqual(await call(client, 'jail__write_file', { path: '/tmp/rampart-escape-probe' }), {
      ok: true,
    });
    assert.equal(existsSync('/tmp/rampart-escape-probe'), false);
  });

  it("sees neither Rampart's environment nor its processes", async () => {
    const seen = await call(client, 'jail__environment');
    assert.equal(JSON.stringify(seen).includes(RAMPART_SECRET), false);
    assert.equal(seen.env?.['NOTE_PREFIX'], 'configured');
    assert.equal(seen.env?.['RAMPART_TEST_OWN_SECRET'], undefined);
    const pids = seen.pids ?? [];
    assert.ok(pids.length > 0 && pids.length < 10, `only its own processes, saw ${pids.length}`);
  });

  it('has no network: direct connections fail, even to loopback services of the host', async () => {
    assert.deepEqual(await call(client, 'jail__connect', { host: '127.0.0.1', port: webPort }), {
      ok: false,
      code: 'ECONNREFUSED',
    });
    const external = await call(client, 'jail__connect', { host: '192.0.2.1', port: 80 });
    assert.equal(external.ok, false);
    assert.equal(external.code, 'ENETUNREACH');
    assert.deepEqual(await call(client, 'jail__proxy_get', { host: '127.0.0.1', port: webPort }), {
      ok: false,
      code: 'NO_PROXY_CONFIGURED',
    });
  });

  it('cannot fork without bound, and keeps working afterwards', async () => {
    const bomb = await call(client, 'jail__fork', { count: 200 });
    assert.ok((bomb.refused ?? 0) > 0, 'the process limit refused some children');
    assert.ok((bomb.started ?? 99) < 48, `started ${bomb.started}`);
    assert.deepEqual(await call(client, 'jail__note_read', { name: 'a.txt' }), {
      ok: true,
      value: 'remember',
    });
  });

  it('cannot allocate beyond its memory limit, and keeps working afterwards', async () => {
    const grab = await call(client, 'jail__allocate', { mb: 8192 });
    assert.equal(grab.ok, false);
    assert.ok((grab.mb ?? 9999) < 2048, `allocated ${grab.mb} MiB`);
    assert.deepEqual(await call(client, 'jail__note_read', { name: 'a.txt' }), {
      ok: true,
      value: 'remember',
    });
  });

  it('cannot open more files than its limit, and keeps working afterwards', async () => {
    const grab = await call(client, 'jail__open_files', { count: 1000 });
    assert.equal(grab.ok, false);
    assert.equal(grab.code, 'EMFILE');
    assert.ok((grab.opened ?? 9999) < 256, `opened ${grab.opened}`);
    assert.deepEqual(await call(client, 'jail__note_read', { name: 'a.txt' }), {
      ok: true,
      value: 'remember',
    });
  });

  it('reaches an allowlisted host through the egress proxy, and nothing else', async () => {
    const allowed = await call(client, 'net__proxy_get', { host: '127.0.0.1', port: webPort });
    assert.deepEqual(allowed, { ok: true, body: 'hello from the allowlisted host' });
    const refused = await call(client, 'net__proxy_get', { host: '127.0.0.1', port: otherPort });
    assert.equal(refused.ok, false);
    assert.match(String(refused.code), / 403 /);
    // Numeric forms of loopback are not the allowlisted literal.
    const decimal = await call(client, 'net__proxy_get', { host: '2130706433', port: webPort });
    assert.match(String(decimal.code), / 403 /);
    // Allowlisted by name, but it does not resolve: refused by the proxy, never resolved inside.
    const unresolvable = await call(client, 'net__proxy_get', {
      host: 'example.invalid',
      port: 443,
    });
    assert.equal(unresolvable.ok, false);
    assert.match(String(unresolvable.code), / 502 /);
    // The proxy is the only way out: a direct connection still fails.
    const direct = await call(client, 'net__connect', { host: '127.0.0.1', port: webPort });
    assert.deepEqual(direct, { ok: false, code: 'ECONNREFUSED' });
  });

  it('records every egress attempt in the audit log', async () => {
    // A checkpoint is written after every event appended before it.
    await gw.rampart.audit!.checkpoint();
    const egress = (await auditEvents<AuditRecord>(stateDir)).filter((e) => e.method === 'egress/connect');
    const byName = (name: string) => egress.filter((e) => e.name === name);
    assert.equal(byName(`127.0.0.1:${webPort}`)[0]?.decision, 'allowed');
    assert.equal(byName(`127.0.0.1:${webPort}`)[0]?.server, 'net');
    assert.deepEqual(byName(`127.0.0.1:${webPort}`)[0]?.detail, {
      egress: { host: '127.0.0.1', port: webPort, address: '127.0.0.1' },
    });
    assert.equal(byName(`127.0.0.1:${otherPort}`)[0]?.decision, 'denied');
    assert.equal(byName(`127.0.0.1:${otherPort}`)[0]?.code, 'RAMPART_EGRESS_REFUSED');
    assert.equal(byName(`2130706433:${webPort}`)[0]?.decision, 'denied');
    assert.deepEqual(byName('example.invalid:443')[0]?.detail?.['egress'], {
      host: 'example.invalid',
      port: 443,
      reason: 'unresolvable',
    });
  });
});

describe('sandbox resource limits over time', () => {
  it('kills a server that uses up its CPU time; it is restarted and works again', async () => {
    const gw = await startRampart({
      servers: [
        {
          name: 'cpu',
          command: NODE,
          args: [ESCAPE],
          sandbox: { limits: { cpuSeconds: 1 } },
          restart: { initialDelayMs: 10, maxDelayMs: 50, resetAfterMs: 60_000 },
        },
      ],
    });
    try {
      const client = new LegacyClient(gw.url);
      await client.initialize();
      const upstream = gw.rampart.gateway.upstreams[0]!;
      const firstPid = upstream.pid;
      const spun = await client.request('tools/call', { name: 'cpu__spin', arguments: { ms: 10_000 } });
      assert.equal(rpcError(spun).data.code, 'RAMPART_UPSTREAM_CRASHED');
      assert.ok(await gw.rampart.waitForUpstreams(20_000));
      assert.notEqual(upstream.pid, firstPid);
      assert.equal((await call(client, 'cpu__whoami')).uid, 65_534);
    } finally {
      await gw.stop();
    }
  });
});

describe('a sandboxed server when Rampart is killed', () => {
  it('dies with it', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-sandbox-kill-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const tag = `kill-probe-${process.pid}-${Date.now()}`;
    const configFile = path.join(dir, 'rampart.yaml');
    writeFileSync(
      configFile,
      [
        'listen: { host: 127.0.0.1, port: 0 }',
        'stateDir: state',
        'log: { level: error }',
        'integrity: { mode: tofu }',
        'servers:',
        `  - { name: jail, command: ${JSON.stringify(NODE)}, args: [${JSON.stringify(ESCAPE)}, --tag, ${tag}], cwd: ${JSON.stringify(REPO)} }`,
        '',
      ].join('\n'),
    );
    const { child, url } = await serveRampart(configFile);
    const client = new LegacyClient(url);
    await client.initialize();
    assert.equal((await call(client, 'jail__whoami')).uid, 65_534);
    const confined = processesWith(tag);
    assert.ok(confined.length >= 1, 'the sandboxed server runs');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const deadline = Date.now() + 10_000;
    while (processesWith(tag).length > 0 && Date.now() < deadline) await setTimeout(50);
    assert.deepEqual(processesWith(tag), []);
  });
});

/** Pids of live processes whose command line contains `marker`. */
function processesWith(marker: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker);
      } catch {
        return false;
      }
    });
}

describe('a server that requires the sandbox where bubblewrap is missing', () => {
  it('does not start, and calls fail with RAMPART_SANDBOX_UNAVAILABLE', async () => {
    const savedPath = process.env['PATH'];
    const emptyBin = mkdtempSync(path.join(tmpdir(), 'rampart-nobwrap-'));
    process.env['PATH'] = emptyBin;
    let gw: Started | undefined;
    try {
      gw = await startRampart(
        { servers: [{ name: 'jail', command: NODE, args: [ESCAPE], sandbox: {} }] },
        { wait: false },
      );
      const client = new LegacyClient(gw.url);
      await client.initialize();
      const answer = await client.request('tools/call', { name: 'jail__whoami', arguments: {} });
      assert.equal(rpcError(answer).data.code, 'RAMPART_SANDBOX_UNAVAILABLE');
      assert.equal(gw.rampart.gateway.upstreams[0]!.pid, undefined);
    } finally {
      process.env['PATH'] = savedPath;
      await gw?.stop();
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });
});
