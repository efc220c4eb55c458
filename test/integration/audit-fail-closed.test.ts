// Fail closed through a running gateway: while another connection holds audit.db's write lock, the call whose
// event cannot be written is answered with RAMPART_AUDIT_UNAVAILABLE, the next calls are refused before they
// reach the upstream (no side effect without a record), and service comes back once the store writes again.
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { AUDIT_DB_FILE } from '../../src/audit/sqlite-schema.ts';
import { LegacyClient, rpcError } from '../helpers/mcp-client.ts';
import { startRampart } from '../helpers/rampart.ts';
import { startRecordingUpstream } from '../helpers/recording-upstream.ts';

const calls = (bodies: Array<{ method?: string }>) => bodies.filter((b) => b.method === 'tools/call').length;

describe('audit fail closed through the gateway', () => {
  it('answers RAMPART_AUDIT_UNAVAILABLE, forwards nothing while the log cannot write, and recovers', async (t) => {
    const upstream = await startRecordingUpstream();
    t.after(() => upstream.server.close());
    const gw = await startRampart({ servers: [{ name: 'rec', url: upstream.url }] });
    t.after(() => gw.stop());
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', { name: 'rec__echo', arguments: {} });
    assert.equal(calls(upstream.bodies), 1);

    const locker = new DatabaseSync(path.join(path.dirname(gw.rampart.store.file), AUDIT_DB_FILE));
    locker.exec('BEGIN EXCLUSIVE');
    const failed = await client.request('tools/call', { name: 'rec__echo', arguments: {} });
    assert.equal(rpcError(failed).data.code, 'RAMPART_AUDIT_UNAVAILABLE');
    assert.equal(gw.rampart.audit?.writable, false);
    const forwardedBefore = calls(upstream.bodies);
    const refused = await client.request('tools/call', { name: 'rec__echo', arguments: {} });
    assert.equal(rpcError(refused).data.code, 'RAMPART_AUDIT_UNAVAILABLE');
    assert.equal(calls(upstream.bodies), forwardedBefore, 'refused before the upstream');

    locker.exec('ROLLBACK');
    locker.close();
    // The log probes the store on its retry timer (1 s) while nothing is appended.
    for (let i = 0; i < 100 && gw.rampart.audit?.writable === false; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(gw.rampart.audit?.writable, true, 'writable again once the lock is gone');
    await client.result('tools/call', { name: 'rec__echo', arguments: {} });
    assert.equal(calls(upstream.bodies), forwardedBefore + 1);
  });
});
