// Which content may run and how running it is recorded: the bootstrap, the two-person rule (also when the new
// config switches it off), and versions reused instead of duplicated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pendingVersion, recordRunning, verdictFor } from '../../src/changes/running.ts';
import { readSnapshot } from '../../src/changes/snapshot.ts';
import { VersionStore } from '../../src/changes/version-store.ts';
import { FORBID_DELETE, PERMIT_ALL, project, TWO_PERSON_RULE } from './helpers.ts';

const T0 = Date.parse('2026-03-01T09:00:00Z');
const at = (now: number, message = 'recorded at start') => ({ author: 'alice', now, message });

describe('running versions', () => {
  it('accepts the very first version under the rule (bootstrap), then only approved ones', (t) => {
    const p = project(t, TWO_PERSON_RULE);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const first = readSnapshot(p.config);
    assert.deepEqual(verdictFor(store, first), { allowed: true, why: 'bootstrap' });
    const v1 = recordRunning(store, first, at(T0));
    assert.deepEqual([v1.seq, v1.status, v1.bootstrap, v1.twoPersonRule], [1, 'active', true, true]);
    assert.deepEqual(verdictFor(store, first), { allowed: true, why: 'active' });

    p.writePolicy(FORBID_DELETE);
    const second = readSnapshot(p.config);
    assert.deepEqual(verdictFor(store, second), { allowed: false });
    const pending = pendingVersion(store, second, at(T0 + 1));
    assert.equal(
      pendingVersion(store, second, at(T0 + 2)).seq,
      pending.seq,
      'a second refusal names the same',
    );
    assert.equal(pending.status, 'proposed');
    store.approve(pending.seq, 'bob', T0 + 3);
    assert.deepEqual(verdictFor(store, second), { allowed: true, why: 'approved' });
    const running = recordRunning(store, second, at(T0 + 4));
    assert.equal(running.seq, pending.seq, 'the approved version itself becomes active');
    assert.deepEqual(
      store.list().map((v) => [v.seq, v.status]),
      [
        [1, 'superseded'],
        [2, 'active'],
      ],
    );
  });

  it('keeps the rule on while the active version has it: switching it off needs approval too', (t) => {
    const p = project(t, TWO_PERSON_RULE);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    recordRunning(store, readSnapshot(p.config), at(T0));
    p.writeConfig('changeControl: { twoPersonRule: false }\n');
    const ruleOff = readSnapshot(p.config);
    assert.equal(ruleOff.twoPersonRule, false);
    assert.deepEqual(verdictFor(store, ruleOff), { allowed: false });
  });

  it('without the rule records each new content once, reusing waiting versions', (t) => {
    const p = project(t);
    const store = new VersionStore(p.stateDir);
    t.after(() => store.close());
    const v1 = recordRunning(store, readSnapshot(p.config), at(T0));
    assert.equal(
      recordRunning(store, readSnapshot(p.config), at(T0 + 1)).seq,
      v1.seq,
      'unchanged: no version',
    );
    p.writePolicy(FORBID_DELETE);
    const proposed = pendingVersion(store, readSnapshot(p.config), at(T0 + 2, 'proposed'));
    store.approve(proposed.seq, 'bob', T0 + 3);
    assert.equal(recordRunning(store, readSnapshot(p.config), at(T0 + 4)).seq, proposed.seq);
    // Back to the first content, then to the approved one again: a new version carries bob's approval over.
    p.writePolicy(PERMIT_ALL);
    const v3 = recordRunning(store, readSnapshot(p.config), { ...at(T0 + 5), author: 'file-watch:carol' });
    assert.deepEqual([v3.seq, v3.derivedFrom, v3.author, v3.digest], [3, 2, 'file-watch:carol', v1.digest]);
    p.writePolicy(FORBID_DELETE);
    const v4 = recordRunning(store, readSnapshot(p.config), at(T0 + 6));
    assert.equal(v4.seq, 4);
    assert.equal(v4.message, 'recorded at start (the content of version 2)');
    assert.deepEqual(
      v4.approvals.map((a) => [a.approver, a.inheritedFrom]),
      [['bob', 2]],
    );
  });
});
