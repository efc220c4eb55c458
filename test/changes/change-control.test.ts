// The gateway's side of change control, through a real `new Rampart(config, …).start()`: every start with new
// files records a version (named by the config_changed audit event), the two-person rule refuses to start on
// content nobody else approved, and a hot reload of unapproved policy files is rejected like a broken one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { VersionStore } from '../../src/changes/version-store.ts';
import { configCommand } from '../../src/cli/config-versions.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import type { PolicyService } from '../../src/policy/policy-service.ts';
import { Rampart } from '../../src/runtime.ts';
import { FORBID_DELETE, frozenClock, type Project, project, TWO_PERSON_RULE } from './helpers.ts';

const T0 = Date.parse('2026-03-01T09:00:00Z');

function gateway(p: Project, author: string, now: () => number): Rampart {
  return new Rampart(loadConfigFile(p.config), {
    baseDir: p.dir,
    log: createLogger('silent'),
    configFile: p.config,
    author,
    now,
  });
}

async function startAndStop(p: Project, author: string, now: () => number): Promise<void> {
  const rampart = gateway(p, author, now);
  try {
    await rampart.start();
  } finally {
    await rampart.stop();
  }
}

function versions(p: Project) {
  const store = new VersionStore(p.stateDir);
  try {
    return store.list();
  } finally {
    store.close();
  }
}

/** The details of the audit events with this decision. */
async function auditDetails(stateDir: string, decision: string): Promise<Record<string, unknown>[]> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const found: Record<string, unknown>[] = [];
      for await (const entry of reader.entries()) {
        const event = parseLeaf(entry.leaf)?.event;
        if (event?.['decision'] === decision) found.push(event['detail'] as Record<string, unknown>);
      }
      return found;
    });
  } finally {
    await store.close();
  }
}

/** The outcome of the next reload attempt; fails instead of hanging when none comes. */
function nextReload(policies: PolicyService): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no policy reload within 10 s'));
    }, 10_000);
    const off = policies.onChange((applied) => {
      clearTimeout(timer);
      off();
      resolve(applied);
    });
  });
}

async function startError(rampart: Rampart): Promise<{ code?: string; data?: Record<string, unknown> }> {
  try {
    await rampart.start();
  } catch (err) {
    return err as { code?: string; data?: Record<string, unknown> };
  } finally {
    await rampart.stop();
  }
  assert.fail('the start was not refused');
}

describe('change control in the gateway', () => {
  it('records a version at each start with different files, and config_changed names it', async (t) => {
    const p = project(t);
    const clock = frozenClock(T0);
    await startAndStop(p, 'alice', clock.now);
    clock.advance(60_000);
    await startAndStop(p, 'alice', clock.now);
    p.writePolicy(FORBID_DELETE);
    p.writeConfig('rateLimits: []\nsecurity: { allowedHosts: [gw.example] }\n');
    clock.advance(60_000);
    await startAndStop(p, 'bob', clock.now);
    assert.deepEqual(
      versions(p).map((v) => [v.seq, v.status, v.author, v.createdAt, v.message, v.bootstrap]),
      [
        [1, 'superseded', 'alice', T0, 'recorded at start', true],
        [2, 'active', 'bob', T0 + 120_000, 'recorded at start', false],
      ],
    );
    const events = await auditDetails(p.stateDir, 'config_changed');
    assert.deepEqual(
      events.map((e) => e['version']),
      [1, 2],
    );
  });

  it('refuses to start on an unapproved configuration under the two-person rule until someone else approves', async (t) => {
    const p = project(t, TWO_PERSON_RULE);
    const clock = frozenClock(T0);
    await startAndStop(p, 'alice', clock.now);
    assert.deepEqual(
      versions(p).map((v) => [v.seq, v.status, v.bootstrap]),
      [[1, 'active', true]],
      'the first version ever starts without approval (bootstrap)',
    );

    p.writePolicy(FORBID_DELETE);
    const refused = await startError(gateway(p, 'alice', clock.now));
    assert.equal(refused.code, 'RAMPART_CHANGE_UNAPPROVED');
    assert.equal(refused.data?.['version'], 2);
    const again = await startError(gateway(p, 'alice', clock.now));
    assert.equal(again.data?.['version'], 2, 'a second refused start names the same version');
    assert.deepEqual(
      versions(p).map((v) => [v.seq, v.status, v.author]),
      [
        [1, 'active', 'alice'],
        [2, 'proposed', 'alice'],
      ],
    );

    const out: string[] = [];
    const err: string[] = [];
    const io = { now: clock.now, out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    assert.equal(await configCommand(['approve', '2', '--approver', 'alice', '--config', p.config], io), 1);
    assert.match(err.join(''), /\[RAMPART_CHANGE_SELF_APPROVAL\]/);
    assert.equal(await configCommand(['approve', '2', '--approver', 'bob', '--config', p.config], io), 0);

    await startAndStop(p, 'alice', clock.now);
    assert.deepEqual(
      versions(p).map((v) => [v.seq, v.status]),
      [
        [1, 'superseded'],
        [2, 'active'],
      ],
    );
  });

  it('refuses a start without a config file when the rule is on (there is nothing to compare)', async (t) => {
    const p = project(t, TWO_PERSON_RULE);
    const rampart = new Rampart(loadConfigFile(p.config), { baseDir: p.dir, log: createLogger('silent') });
    const refused = await startError(rampart);
    assert.equal(refused.code, 'RAMPART_CHANGE_UNAPPROVED');
  });

  it('rejects a hot reload of unapproved policy files under the rule, and applies them once approved', async (t) => {
    const p = project(t, TWO_PERSON_RULE);
    const clock = frozenClock(T0);
    const rampart = gateway(p, 'alice', clock.now);
    t.after(() => rampart.stop());
    await rampart.start();
    const policies = rampart.policies!;
    const before = policies.engine.digest;

    const rejected = nextReload(policies);
    p.writePolicy(FORBID_DELETE);
    assert.equal(await rejected, false);
    assert.equal(policies.engine.digest, before, 'the previous set stays in force');
    assert.equal(policies.engine.policy('no-delete'), undefined);

    const io = { now: clock.now, out: () => undefined, err: () => undefined };
    assert.equal(await configCommand(['propose', '--config', p.config, '--author', 'carol'], io), 0);
    const applied = nextReload(policies);
    // Approving touches the approved policy files, so the watch looks at them again.
    assert.equal(await configCommand(['approve', '2', '--approver', 'dave', '--config', p.config], io), 0);
    assert.equal(await applied, true);
    assert.ok(policies.engine.policy('no-delete'));
    assert.deepEqual(
      versions(p).map((v) => [v.seq, v.status, v.author]),
      [
        [1, 'superseded', 'alice'],
        [2, 'active', 'carol'],
      ],
    );
    await rampart.stop();
    const alerts = await auditDetails(p.stateDir, 'alert_raised');
    assert.deepEqual(
      alerts.map((a) => a['rule']),
      ['policy.rejected'],
      'the refused reload raised the alert a broken policy file raises',
    );
    const reloads = (await auditDetails(p.stateDir, 'config_changed')).filter((d) => d['policy']);
    assert.deepEqual(
      reloads.map((d) => (d['policy'] as Record<string, unknown>)['version']),
      [2],
    );
  });

  it('records an accepted hot reload as a version by the file watch', async (t) => {
    const p = project(t);
    const clock = frozenClock(T0);
    const rampart = gateway(p, 'alice', clock.now);
    t.after(() => rampart.stop());
    await rampart.start();
    const applied = nextReload(rampart.policies!);
    clock.advance(5000);
    p.writePolicy(FORBID_DELETE);
    assert.equal(await applied, true);
    const [first, second] = versions(p);
    assert.equal(first?.status, 'superseded');
    assert.match(second?.author ?? '', /^file-watch:.+/);
    assert.deepEqual(
      [second?.seq, second?.status, second?.createdAt, second?.derivedFrom],
      [2, 'active', T0 + 5000, 1],
    );
  });
});
