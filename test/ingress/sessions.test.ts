// Sessions expire after their idle time (frozen clock), are capped, and a closed session answers nothing more.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionStore } from '../../src/ingress/sessions.ts';

describe('session store', () => {
  it('expires idle sessions and reports them closed', () => {
    let now = 1_000;
    const closed: string[] = [];
    const store = new SessionStore(
      10,
      60_000,
      (s) => closed.push(s.id),
      () => now,
    );
    const a = store.create('2025-11-25', {}, undefined);
    const b = store.create('2025-11-25', {}, undefined);
    now += 59_000;
    assert.equal(store.get(a.id), a, 'use refreshes the idle clock');
    now += 2_000;
    assert.equal(store.get(b.id), undefined, 'b has been idle for 61 s');
    assert.deepEqual(closed, [b.id]);
    store.sweep();
    assert.equal(store.size, 1);
    now += 61_000;
    store.sweep();
    assert.equal(store.size, 0);
    assert.deepEqual(closed, [b.id, a.id]);
    store.closeAll();
  });

  it('refuses sessions beyond the cap with RAMPART_SESSION_LIMIT', () => {
    const store = new SessionStore(2, 60_000, () => undefined);
    store.create('2025-11-25', {}, undefined);
    store.create('2025-11-25', {}, undefined);
    assert.throws(() => store.create('2025-11-25', {}, undefined), { code: 'RAMPART_SESSION_LIMIT' });
    store.closeAll();
  });

  it('mints unguessable, visible-ASCII session ids', () => {
    const store = new SessionStore(100, 60_000, () => undefined);
    const ids = new Set(Array.from({ length: 50 }, () => store.create('2025-11-25', {}, undefined).id));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, /^[\x21-\x7e]{32,}$/);
    store.closeAll();
  });
});
