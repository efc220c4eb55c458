// The version store in rampart.db: numbered versions with the exact file bytes, one active at a time, approvals
// by someone other than the author, and stored bytes checked against their digest when read back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { readSnapshot } from '../../src/changes/snapshot.ts';
import { isTwoPersonApproved, VersionStore } from '../../src/changes/version-store.ts';
import { FORBID_DELETE, frozenClock, project } from './helpers.ts';

const T0 = Date.parse('2026-03-01T09:00:00Z');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('VersionStore', () => {
  it('numbers versions, keeps the file bytes, and has one active version at a time', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const first = store.create({
      snapshot: readSnapshot(p.config),
      author: 'alice',
      createdAt: T0,
      message: 'first',
      status: 'active',
    });
    p.writePolicy(FORBID_DELETE);
    const second = store.create({
      snapshot: readSnapshot(p.config),
      author: 'bob',
      createdAt: T0 + 1000,
      message: 'second',
      status: 'active',
      derivedFrom: first.seq,
    });
    assert.deepEqual(
      store.list().map((v) => [v.seq, v.status, v.author, v.createdAt, v.derivedFrom]),
      [
        [1, 'superseded', 'alice', T0, undefined],
        [2, 'active', 'bob', T0 + 1000, 1],
      ],
    );
    assert.equal(store.active()?.seq, 2);
    const files = store.files(2);
    assert.deepEqual(
      files.map((f) => [f.path, f.role]),
      [
        ['rampart.yaml', 'config'],
        ['policies/main.cedar', 'policy'],
      ],
    );
    assert.equal(files[1]!.bytes.toString('utf8'), FORBID_DELETE);
    assert.notEqual(first.digest, second.digest);
    assert.equal(
      code(() => store.require(9)),
      'RAMPART_CHANGE_UNKNOWN_VERSION',
    );
    // A second connection (another process) sees the same single active version.
    const other = new VersionStore(p.stateDir);
    t.after(() => other.close());
    assert.ok(other.activate(1) === false, 'a superseded version is not re-activated');
    assert.equal(other.active()?.seq, 2);
  });

  it('takes approvals only from someone other than the author, once each', (t) => {
    const p = project(t);
    const clock = frozenClock(T0);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const v = store.create({
      snapshot: readSnapshot(p.config),
      author: 'Alice',
      createdAt: clock.now(),
      message: '',
      status: 'proposed',
    });
    assert.equal(
      code(() => store.approve(v.seq, 'alice ', clock.now())),
      'RAMPART_CHANGE_SELF_APPROVAL',
    );
    assert.equal(store.require(v.seq).status, 'proposed');
    clock.advance(60_000);
    const approved = store.approve(v.seq, 'bob', clock.now(), 'looks right');
    assert.equal(approved.status, 'approved');
    assert.deepEqual(approved.approvals, [
      { approver: 'bob', at: T0 + 60_000, reason: 'looks right', inheritedFrom: undefined },
    ]);
    assert.ok(isTwoPersonApproved(approved));
    assert.equal(
      code(() => store.approve(v.seq, 'BOB', clock.now())),
      'RAMPART_CHANGE_ALREADY_APPROVED',
    );
    assert.equal(store.approvedWithDigest(v.digest)?.seq, v.seq);
  });

  it('rejects only proposed or approved versions, and a rejected one cannot be approved', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const snapshot = readSnapshot(p.config);
    const active = store.create({ snapshot, author: 'alice', createdAt: T0, message: '', status: 'active' });
    const proposed = store.create({
      snapshot,
      author: 'alice',
      createdAt: T0,
      message: '',
      status: 'proposed',
    });
    assert.equal(
      code(() => store.reject(active.seq)),
      'RAMPART_CHANGE_WRONG_STATUS',
    );
    assert.equal(store.reject(proposed.seq).status, 'rejected');
    assert.equal(
      code(() => store.approve(proposed.seq, 'bob', T0)),
      'RAMPART_CHANGE_WRONG_STATUS',
    );
    assert.equal(
      code(() => store.reject(proposed.seq)),
      'RAMPART_CHANGE_WRONG_STATUS',
    );
  });

  it('refuses stored bytes that no longer match their digest', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const v = store.create({
      snapshot: readSnapshot(p.config),
      author: 'alice',
      createdAt: T0,
      message: '',
      status: 'proposed',
    });
    const policy = v.files.find((f) => f.role === 'policy')!;
    const raw = new DatabaseSync(path.join(p.stateDir, 'rampart.db'));
    raw
      .prepare('UPDATE config_blobs SET bytes = ? WHERE sha256 = ?')
      .run(Buffer.from('permit(principal, action, resource);'), policy.sha256);
    raw.close();
    assert.equal(
      code(() => store.files(v.seq)),
      'RAMPART_CHANGE_CORRUPT',
    );
  });

  it('counts only original approvals by someone other than the author as two-person approval', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const snapshot = readSnapshot(p.config);
    const original = store.create({
      snapshot,
      author: 'alice',
      createdAt: T0,
      message: '',
      status: 'proposed',
    });
    const approved = store.approve(original.seq, 'bob', T0);
    const copy = store.create({
      snapshot,
      author: 'bob',
      createdAt: T0,
      message: 'rollback to 1',
      status: 'approved',
      inherit: approved,
    });
    assert.deepEqual(copy.approvals, [
      { approver: 'bob', at: T0, reason: undefined, inheritedFrom: original.seq },
    ]);
    assert.equal(isTwoPersonApproved(copy), false, 'carried-over approvals prove nothing by themselves');
    assert.equal(store.approvedWithDigest(snapshot.digest)?.seq, original.seq);
    store.reject(original.seq);
    assert.equal(
      store.approvedWithDigest(snapshot.digest),
      undefined,
      'a rejected approval counts for nothing',
    );
  });
});
