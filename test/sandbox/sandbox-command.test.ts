// The confined command line: what bubblewrap and prlimit are told, read off the argv without running it (the
// end-to-end behaviour is test/integration/sandbox-e2e.test.ts).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxSchema } from '../../src/config/sandbox-schema.ts';
import type { RampartError } from '../../src/errors.ts';
import { findExecutable } from '../../src/sandbox/executables.ts';
import {
  EGRESS_BRIDGE,
  EGRESS_MOUNT,
  type SandboxContext,
  sandboxCommand,
} from '../../src/sandbox/sandbox-command.ts';

function settings(input: unknown = {}) {
  const parsed = sandboxSchema.parse(input);
  assert.notEqual(parsed, 'off');
  return parsed as Exclude<typeof parsed, 'off'>;
}

/** The pairs/triples of mount options in the bwrap part of the argv, as strings for easy matching. */
function bwrapPart(args: readonly string[]): string[] {
  return args.slice(args.findIndex((a) => a.endsWith('/bwrap')) + 1);
}

function has(args: readonly string[], ...sequence: string[]): boolean {
  for (let i = 0; i + sequence.length <= args.length; i++) {
    if (sequence.every((s, j) => args[i + j] === s)) return true;
  }
  return false;
}

describe('sandboxCommand', () => {
  let project: string;
  let script: string;
  let data: string;
  let state: string;

  before(() => {
    assert.ok(findExecutable('bwrap'), 'bubblewrap must be installed (apt-get install bubblewrap)');
    project = mkdtempSync(path.join(tmpdir(), 'rampart-sbcmd-'));
    // Readable by any sandbox uid, as an installed server's directory is.
    chmodSync(project, 0o755);
    writeFileSync(path.join(project, 'package.json'), '{}');
    mkdirSync(path.join(project, 'lib'));
    script = path.join(project, 'lib', 'server.js');
    writeFileSync(script, '');
    data = path.join(project, 'data');
    mkdirSync(data);
    state = path.join(project, '.rampart');
    mkdirSync(state);
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  const context = (over: Partial<SandboxContext> = {}): SandboxContext => ({
    settings: settings(),
    baseDir: project,
    hidden: [state],
    processEnv: { PATH: process.env['PATH'], LANG: 'C.UTF-8', SECRET_TOKEN: 'leak', TZ: 'UTC' },
    hostUid: 1000,
    ...over,
  });
  const target = () => ({ command: process.execPath, args: [script], cwd: project, env: { API_MODE: 'x' } });

  it('runs bwrap under prlimit with every namespace, no capabilities and an unprivileged uid', () => {
    const spawn = sandboxCommand(target(), context());
    assert.ok(spawn.command.endsWith('/prlimit'));
    assert.deepEqual(spawn.args.slice(0, 5), [
      '--as=2147483648',
      '--nproc=64',
      '--nofile=256',
      '--cpu=3600',
      '--core=0',
    ]);
    const bwrap = bwrapPart(spawn.args);
    for (const flag of ['--die-with-parent', '--new-session', '--unshare-all', '--unshare-user']) {
      assert.ok(bwrap.includes(flag), flag);
    }
    assert.ok(has(bwrap, '--cap-drop', 'ALL'));
    assert.ok(has(bwrap, '--uid', '65534'));
    assert.ok(has(bwrap, '--gid', '65534'));
    assert.ok(!bwrap.includes('--share-net'), 'no network');
    assert.ok(bwrap.includes('--disable-userns'), 'no nested user namespaces');
    assert.ok(has(bwrap, '--seccomp', '3'));
    assert.ok(spawn.seccomp && spawn.seccomp.length > 0, 'the filter bubblewrap reads from fd 3');
    assert.equal(spawn.uid, undefined, 'not root: runs as the current user');
    assert.deepEqual(bwrap.slice(bwrap.indexOf('--') + 1), [process.execPath, script]);
  });

  it('as root, starts as the configured sandbox uid', () => {
    const spawn = sandboxCommand(target(), context({ hostUid: 0, settings: settings({ uid: 4242 }) }));
    assert.equal(spawn.uid, 4242);
    assert.equal(spawn.gid, 4242);
  });

  it('mounts the system read-only, masks /etc secrets, gives a private /tmp and home', () => {
    const bwrap = bwrapPart(sandboxCommand(target(), context()).args);
    assert.ok(has(bwrap, '--ro-bind', '/usr', '/usr'));
    assert.ok(has(bwrap, '--ro-bind', '/etc', '/etc'));
    assert.ok(has(bwrap, '--ro-bind', '/dev/null', '/etc/shadow'));
    assert.ok(has(bwrap, '--tmpfs', '/tmp'));
    assert.ok(has(bwrap, '--dir', '/home/sandbox'));
    assert.ok(!has(bwrap, '--bind', '/', '/') && !has(bwrap, '--ro-bind', '/', '/'), 'never the whole root');
  });

  it("binds the server's package read-only and hides Rampart's state directory inside it", () => {
    const bwrap = bwrapPart(sandboxCommand(target(), context()).args);
    assert.ok(has(bwrap, '--ro-bind', project, project));
    const bindAt = bwrap.findIndex((_, i) => has(bwrap.slice(i, i + 3), '--ro-bind', project, project));
    const hideAt = bwrap.findIndex((_, i) => has(bwrap.slice(i, i + 2), '--tmpfs', state));
    assert.ok(hideAt > bindAt, 'the state directory is covered after the bind');
    assert.ok(!bwrap.some((a, i) => a === '--bind' && bwrap[i + 1] === project), 'never writable');
  });

  it('never binds a home directory whole: a server started there runs in its private home', () => {
    const spawn = sandboxCommand({ ...target(), cwd: homedir() }, context());
    const bwrap = bwrapPart(spawn.args);
    assert.ok(has(bwrap, '--chdir', '/home/sandbox'));
    assert.ok(!bwrap.includes(homedir()), 'the home directory is not mounted');
  });

  it('binds declared paths with their mode, relative to the config directory', () => {
    const spawn = sandboxCommand(
      target(),
      context({ settings: settings({ paths: [{ path: 'data', mode: 'rw' }, { path: 'lib' }] }) }),
    );
    const bwrap = bwrapPart(spawn.args);
    assert.ok(has(bwrap, '--bind', data, data));
    assert.ok(has(bwrap, '--ro-bind', path.join(project, 'lib'), path.join(project, 'lib')));
  });

  it('refuses, naming path and uid, a path the sandbox user cannot reach (instead of a restart loop)', () => {
    const closed = mkdtempSync(path.join(tmpdir(), 'rampart-closed-'));
    try {
      assert.throws(
        () =>
          sandboxCommand(
            target(),
            context({ hostUid: 0, settings: settings({ uid: 4242, paths: [{ path: closed, mode: 'rw' }] }) }),
          ),
        (err: RampartError) =>
          err.code === 'RAMPART_SANDBOX_UNAVAILABLE' &&
          err.message.includes(closed) &&
          err.message.includes('4242'),
      );
      chmodSync(closed, 0o755);
      assert.throws(
        () =>
          sandboxCommand(
            target(),
            context({ hostUid: 0, settings: settings({ uid: 4242, paths: [{ path: closed, mode: 'rw' }] }) }),
          ),
        (err: RampartError) => err.code === 'RAMPART_SANDBOX_UNAVAILABLE' && /cannot write/.test(err.message),
      );
      const readOnly = sandboxCommand(
        target(),
        context({ hostUid: 0, settings: settings({ uid: 4242, paths: [{ path: closed, mode: 'ro' }] }) }),
      );
      assert.ok(has(bwrapPart(readOnly.args), '--ro-bind', closed, closed));
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it('refuses a declared path that does not exist', () => {
    assert.throws(
      () => sandboxCommand(target(), context({ settings: settings({ paths: [{ path: 'missing' }] }) })),
      (err: RampartError) => err.code === 'RAMPART_SANDBOX_UNAVAILABLE',
    );
  });

  it('passes only the allowed environment: configured env, inherited names, fixed PATH, private HOME', () => {
    const env = sandboxCommand(target(), context()).env;
    assert.equal(env['API_MODE'], 'x');
    assert.equal(env['LANG'], 'C.UTF-8');
    assert.equal(env['TZ'], 'UTC');
    assert.equal(env['SECRET_TOKEN'], undefined);
    assert.equal(env['HOME'], '/home/sandbox');
    assert.ok(env['PATH']!.endsWith('/usr/local/bin:/usr/bin:/bin'));
    const narrow = sandboxCommand(target(), context({ settings: settings({ inheritEnv: [] }) })).env;
    assert.equal(narrow['LANG'], undefined);
  });

  it('with egress, runs the server behind the bridge and points the proxy variables at it', () => {
    const spawn = sandboxCommand(
      target(),
      context({ egress: { socketDir: data, socketName: 'egress.sock' } }),
    );
    const bwrap = bwrapPart(spawn.args);
    assert.ok(has(bwrap, '--ro-bind', data, EGRESS_MOUNT));
    assert.deepEqual(bwrap.slice(bwrap.indexOf('--') + 1), [
      process.execPath,
      EGRESS_BRIDGE,
      `${EGRESS_MOUNT}/egress.sock`,
      '3128',
      process.execPath,
      script,
    ]);
    assert.ok(!bwrap.includes('--share-net'), 'still its own network namespace');
    assert.equal(spawn.env['HTTPS_PROXY'], 'http://127.0.0.1:3128');
    assert.equal(spawn.env['NODE_USE_ENV_PROXY'], '1');
  });

  it('applies the configured resource limits', () => {
    const spawn = sandboxCommand(
      target(),
      context({
        settings: settings({ limits: { memoryMb: 4096, processes: 10, openFiles: 32, cpuSeconds: 5 } }),
      }),
    );
    assert.deepEqual(spawn.args.slice(0, 4), ['--as=4294967296', '--nproc=10', '--nofile=32', '--cpu=5']);
  });

  it('fails with RAMPART_SANDBOX_UNAVAILABLE when bubblewrap is not on PATH', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'rampart-nobwrap-'));
    try {
      assert.throws(
        () => sandboxCommand(target(), context({ pathEnv: empty })),
        (err: RampartError) => err.code === 'RAMPART_SANDBOX_UNAVAILABLE',
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('sandbox config', () => {
  it('confines by default; off must be written out', () => {
    assert.notEqual(sandboxSchema.parse(undefined), 'off');
    assert.equal(sandboxSchema.parse('off'), 'off');
    assert.equal(sandboxSchema.safeParse(false).success, false);
    assert.equal(sandboxSchema.safeParse('none').success, false);
  });

  it('refuses malformed egress patterns', () => {
    const bad = sandboxSchema.safeParse({ network: { egress: { allow: ['http://example.com/'] } } });
    assert.equal(bad.success, false);
  });
});
