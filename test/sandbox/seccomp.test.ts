// The seccomp filter, loaded by the real bubblewrap: a refused system call fails, everything else still runs.
// `unshare --user` is the probe (util-linux, always there): it needs the unshare(2) call the filter refuses, and it
// succeeds under the same bubblewrap without the filter.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { findExecutable } from '../../src/sandbox/executables.ts';
import { refusedSyscalls, seccompProgram, seccompSupported } from '../../src/sandbox/seccomp.ts';

describe('seccomp filter', () => {
  it('exists for this architecture and refuses the dangerous calls', () => {
    assert.ok(seccompSupported(), `no filter for ${process.arch}`);
    const names = refusedSyscalls(process.arch as 'x64' | 'arm64');
    for (const name of ['ptrace', 'bpf', 'init_module', 'keyctl', 'mount', 'unshare', 'io_uring_setup']) {
      assert.ok(names.includes(name), name);
    }
    assert.equal(seccompProgram(process.arch as 'x64' | 'arm64').length % 8, 0);
  });

  it('makes unshare(2) fail under bubblewrap, which works without it', () => {
    const without = spawnSync(findExecutable('bwrap')!, bwrapArgs(false, ['unshare', '--user', 'true']), {
      encoding: 'utf8',
    });
    assert.equal(without.status, 0, without.stderr);
    const filtered = runFiltered(['unshare', '--user', 'true']);
    assert.notEqual(filtered.status, 0);
    assert.match(filtered.stderr, /Operation not permitted/);
  });

  it('lets ordinary programs run', () => {
    const listed = runFiltered(['ls', '/usr']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /bin/);
    const status = runFiltered(['cat', '/proc/self/status']);
    assert.match(status.stdout, /^Seccomp:\s+2$/m);
  });
});

function bwrapArgs(filtered: boolean, command: string[]): string[] {
  return [
    '--unshare-all',
    '--unshare-user',
    '--die-with-parent',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...(filtered ? ['--seccomp', '3'] : []),
    '--',
    ...command,
  ];
}

/** Runs `command` under bubblewrap with the filter on fd 3 (from a pipe, as the gateway passes it). */
function runFiltered(command: string[]) {
  const filter = seccompProgram(process.arch as 'x64' | 'arm64');
  // spawnSync cannot write to fd 3; `input` goes to fd 0, so the shell moves it: fd 3 <- stdin.
  return spawnSync(
    'sh',
    ['-c', `exec 3<&0 0</dev/null; exec "$@"`, 'sh', findExecutable('bwrap')!, ...bwrapArgs(true, command)],
    {
      input: filter,
      encoding: 'utf8',
    },
  );
}
