// Rolling back: version N's files come back byte for byte (atomically, keeping the mode of the file replaced),
// and a new version "rollback to N" is recorded, approved only when N's content was approved before.
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { rollback } from '../../src/changes/rollback.ts';
import { recordRunning } from '../../src/changes/running.ts';
import { readSnapshot, versionDigest } from '../../src/changes/snapshot.ts';
import { VersionStore } from '../../src/changes/version-store.ts';
import { FORBID_DELETE, PERMIT_ALL, project } from './helpers.ts';

const T0 = Date.parse('2026-03-01T09:00:00Z');
const start = (now: number) => ({ author: 'alice', now, message: 'recorded at start' });

describe('rollback', () => {
  it('restores the files byte for byte and records a new version derived from N', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const v1 = recordRunning(store, readSnapshot(p.config), start(T0));
    const oldConfig = readFileSync(p.config);
    p.writeConfig('rateLimits: []\n');
    p.writePolicy(FORBID_DELETE);
    chmodSync(p.policy, 0o640);
    recordRunning(store, readSnapshot(p.config), start(T0 + 1));

    const result = rollback(store, 1, { configFile: p.config, author: 'bob', now: T0 + 2 });
    assert.deepEqual(readFileSync(p.config), oldConfig);
    assert.equal(readFileSync(p.policy, 'utf8'), PERMIT_ALL);
    assert.equal(statSync(p.policy).mode & 0o777, 0o640, 'the mode of the replaced file stays');
    assert.deepEqual(
      result.written.map((f) => f.path),
      ['policies/main.cedar', 'rampart.yaml'],
      'policy files first, the config file last',
    );
    const v3 = result.recorded!;
    assert.deepEqual(
      [v3.seq, v3.status, v3.message, v3.derivedFrom, v3.author, v3.createdAt, v3.digest],
      [3, 'proposed', 'rollback to 1', 1, 'bob', T0 + 2, v1.digest],
    );
    assert.equal(readSnapshot(p.config).digest, v1.digest);
    assert.deepEqual(
      readdirSync(path.join(p.dir, 'policies')),
      ['main.cedar'],
      'no temporary files are left behind',
    );
  });

  it('carries the original approvals over when N was approved, and re-creates deleted files', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const v1 = recordRunning(store, readSnapshot(p.config), start(T0));
    store.approve(v1.seq, 'bob', T0 + 1, 'reviewed');
    p.writePolicy(FORBID_DELETE);
    recordRunning(store, readSnapshot(p.config), start(T0 + 2));
    rmSync(p.policy);
    const result = rollback(store, 1, { configFile: p.config, author: 'carol', now: T0 + 3 });
    assert.equal(readFileSync(p.policy, 'utf8'), PERMIT_ALL);
    assert.deepEqual(
      result.unchanged.map((f) => f.path),
      ['rampart.yaml'],
    );
    assert.equal(result.recorded?.status, 'approved');
    assert.deepEqual(result.recorded?.approvals, [
      { approver: 'bob', at: T0 + 1, reason: 'reviewed', inheritedFrom: 1 },
    ]);
  });

  it('records nothing when N is the active version, and refuses a tampered file listing', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    recordRunning(store, readSnapshot(p.config), start(T0));
    p.writePolicy(FORBID_DELETE);
    const again = rollback(store, 1, { configFile: p.config, author: 'alice', now: T0 + 1 });
    assert.equal(again.recorded, undefined);
    assert.equal(readFileSync(p.policy, 'utf8'), PERMIT_ALL);
    assert.equal(store.list().length, 1);

    const raw = new DatabaseSync(path.join(p.stateDir, 'rampart.db'));
    // Rewritten consistently (digest too), so only the check against the config's own listing can catch it.
    raw.prepare("UPDATE config_version_files SET path = '../outside.cedar' WHERE role = 'policy'").run();
    const files = raw.prepare('SELECT path, sha256 FROM config_version_files WHERE seq = 1').all() as {
      path: string;
      sha256: string;
    }[];
    raw.prepare('UPDATE config_versions SET digest = ? WHERE seq = 1').run(versionDigest(files));
    raw.close();
    p.writePolicy(FORBID_DELETE);
    assert.throws(
      () => rollback(store, 1, { configFile: p.config, author: 'alice', now: T0 + 2 }),
      (err: { code?: string }) => err.code === 'RAMPART_CHANGE_CORRUPT',
    );
    assert.equal(readFileSync(p.policy, 'utf8'), FORBID_DELETE, 'nothing was written');
    assert.throws(() => statSync(path.join(p.dir, 'outside.cedar')));
  });
});
