// `rampart alerts`: lists the alert_raised events of the config's audit log, newest first, as a table or JSON
// lines, filtered by time, severity and rule, limited; usage problems exit 2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openAuditLog } from '../../src/audit/open.ts';
import { alertsCommand } from '../../src/cli/alerts.ts';
import type { Alert } from '../../src/monitor/anomaly/alert.ts';
import { alertAuditInput } from '../../src/monitor/anomaly/audit-input.ts';
import { frozenClock, REPO, sampleEvent, tempDir } from '../audit/helpers.ts';
import { sampleAlert } from '../monitor/anomaly/sample-alert.ts';

const run = promisify(execFile);
const T0 = Date.parse('2026-01-15T10:00:00.000Z');
const HOUR = 3_600_000;
/** When the listing runs: two hours after the last alert. */
const NOW = T0 + 8 * HOUR;

const ALERTS: readonly (Partial<Alert> & { at: number })[] = [
  { at: T0, id: 'a-rate', rule: 'anomaly.rate', severity: 'medium', message: '31 calls within 60s' },
  {
    at: T0 + HOUR,
    id: 'a-denials',
    rule: 'anomaly.denial_burst',
    severity: 'high',
    message: '10 denied calls',
  },
  {
    at: T0 + 3 * HOUR,
    id: 'a-hour',
    rule: 'anomaly.unusual_hour',
    severity: 'low',
    principal: undefined,
    agent: 'local-cli',
    server: undefined,
    name: undefined,
    message: 'activity at 03:00–04:00 UTC',
  },
  {
    at: T0 + 6 * HOUR,
    id: 'a-risky',
    rule: 'anomaly.risky_sequence',
    severity: 'critical',
    message: 'a private-data read followed by a send',
    suppressed: 4,
  },
];

async function project(t: { after(fn: () => void): void }) {
  const dir = tempDir(t, 'rampart-alerts-');
  const config = path.join(dir, 'rampart.yaml');
  writeFileSync(config, 'stateDir: state\nservers:\n  - name: fs\n    command: node\n');
  const clock = frozenClock(T0 - HOUR);
  const log = await openAuditLog(path.join(dir, 'state'), { now: clock.now });
  let i = 0;
  for (const { at, ...alert } of ALERTS) {
    // Ordinary request events between the alerts, which the listing skips.
    await log.append(sampleEvent(i++));
    clock.advance(at - clock.now());
    await log.append(alertAuditInput(sampleAlert(alert)));
    await log.append(sampleEvent(i++));
  }
  await log.close();
  return { dir, config };
}

async function alerts(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await alertsCommand(args, {
    now: () => NOW,
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

function json(out: string): Record<string, unknown>[] {
  return out
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('rampart alerts', () => {
  it('lists every alert newest first as JSON lines', async (t) => {
    const p = await project(t);
    const r = await alerts('--config', p.config, '--json');
    assert.equal(r.code, 0, r.err);
    const listed = json(r.out);
    assert.deepEqual(
      listed.map((a) => a['alertId']),
      ['a-risky', 'a-hour', 'a-denials', 'a-rate'],
    );
    const risky = listed[0]!;
    assert.equal(risky['rule'], 'anomaly.risky_sequence');
    assert.equal(risky['severity'], 'critical');
    assert.equal(risky['time'], new Date(T0 + 6 * HOUR).toISOString());
    assert.equal(risky['issuer'], 'https://idp.example');
    assert.equal(risky['subject'], 'auth0|123');
    assert.equal(risky['agent'], 'claude-code');
    assert.equal(risky['suppressed'], 4);
    assert.deepEqual(risky['evidence'], { count: 10, windowSeconds: 60 });
    assert.match(risky['eventId'] as string, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const anonymous = listed[1]!;
    assert.equal(anonymous['subject'], null);
    assert.equal(anonymous['agent'], 'local-cli');
  });

  it('filters by severity (at least), rule, since (duration or ISO) and limit', async (t) => {
    const p = await project(t);
    const ids = async (...args: string[]) => {
      const r = await alerts('--config', p.config, '--json', ...args);
      assert.equal(r.code, 0, r.err);
      return json(r.out).map((a) => a['alertId']);
    };
    assert.deepEqual(await ids('--severity', 'high'), ['a-risky', 'a-denials']);
    assert.deepEqual(await ids('--rule', 'anomaly.rate'), ['a-rate']);
    assert.deepEqual(await ids('--rule', 'anomaly.rate,anomaly.unusual_hour'), ['a-hour', 'a-rate']);
    assert.deepEqual(await ids('--rule', 'anomaly.rate', '--rule', 'anomaly.denial_burst'), [
      'a-denials',
      'a-rate',
    ]);
    assert.deepEqual(await ids('--since', '6h'), ['a-risky', 'a-hour']);
    assert.deepEqual(await ids('--since', '2026-01-15T11:00:00Z'), ['a-risky', 'a-hour', 'a-denials']);
    assert.deepEqual(await ids('--limit', '2'), ['a-risky', 'a-hour']);
    assert.deepEqual(await ids('--severity', 'low', '--since', '7h', '--limit', '1'), ['a-risky']);
    assert.deepEqual(await ids('--rule', 'anomaly.first_use'), []);
  });

  it('prints a table', async (t) => {
    const p = await project(t);
    const r = await alerts('--config', p.config, '--severity', 'medium');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^TIME\s+SEVERITY\s+RULE\s+PRINCIPAL\s+AGENT\s+TARGET\s+MESSAGE$/);
    assert.equal(lines.length, 4);
    assert.match(
      lines[1]!,
      /^2026-01-15T16:00:00Z\s+critical\s+anomaly\.risky_sequence\s+auth0\|123\s+claude-code\s+admin admin__drop\s+a private-data read followed by a send \(\+4 suppressed\)$/,
    );
    assert.match(lines[3]!, /anomaly\.rate/);
  });

  it('says so when there is no audit log yet', async (t) => {
    const dir = tempDir(t, 'rampart-alerts-');
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, 'stateDir: state\nservers:\n  - name: fs\n    command: node\n');
    const r = await alerts('--config', config);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'no alerts\n');
    assert.match(r.err, /no audit log/);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      ['--severity', 'urgent'],
      ['--since', 'yesterday'],
      ['--since', '24x'],
      ['--limit', '0'],
      ['--limit', 'ten'],
      ['--bogus'],
      ['list'],
    ]) {
      const r = await alerts(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /Usage: rampart alerts/);
    }
  });

  it('is a command of the rampart CLI', async (t) => {
    const p = await project(t);
    const { stdout } = await run(
      process.execPath,
      [
        path.join(REPO, 'src/cli/main.ts'),
        'alerts',
        '--config',
        p.config,
        '--json',
        '--rule',
        'anomaly.denial_burst',
      ],
      { cwd: p.dir },
    );
    assert.deepEqual(
      json(stdout).map((a) => a['alertId']),
      ['a-denials'],
    );
    const usage = await run(process.execPath, [path.join(REPO, 'src/cli/main.ts'), '--help']);
    assert.match(usage.stdout, /alerts \[--config FILE\]/);
  });
});
