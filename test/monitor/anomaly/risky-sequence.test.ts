// anomaly.risky_sequence: a private-data read followed within the window, in the same session, by a call that
// sends data out alerts. Reads in another session, sends after the window, denied reads, and public reads do not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallObservation } from '../../../src/monitor/anomaly/observation.ts';
import { ALICE, at, CAROL, call, toolOf, trained } from './workload.ts';

const getEmployee = toolOf(CAROL, 'hr__get_employee');
const post = toolOf(CAROL, 'slack__post_message');
const mail = toolOf(CAROL, 'mail__send_email');

function inSession(sessionId: string, obs: CallObservation): CallObservation {
  return { ...obs, sessionId };
}

describe('anomaly.risky_sequence', () => {
  it('fires on a private read followed by a post to chat in the same session', () => {
    const h = trained();
    const later = h.since();
    h.feed([
      inSession('s-1', call(CAROL, at(10, 10), getEmployee)),
      inSession('s-1', call(CAROL, at(10, 10, 2), post)),
    ]);
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.risky_sequence'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'high');
    assert.equal(alert!.sessionId, 's-1');
    assert.equal(alert!.server, 'slack');
    assert.equal(alert!.name, 'slack__post_message');
    assert.deepEqual(alert!.evidence, {
      readServer: 'hr',
      readName: 'hr__get_employee',
      sendServer: 'slack',
      sendName: 'slack__post_message',
      secondsAfterRead: 120,
      windowSeconds: 600,
    });
    assert.match(
      alert!.message,
      /^a private-data read \(hr hr__get_employee\) followed 120s later by a call that sends data out \(slack slack__post_message\)$/,
    );
  });

  it('classifies by the sendsOut matcher without annotations, and keys by principal+agent without a session', () => {
    const h = trained();
    const later = h.since();
    h.feed([
      call(CAROL, at(10, 10), getEmployee, { sessionId: undefined }),
      call(CAROL, at(10, 10, 9), mail, { sessionId: undefined }),
    ]);
    assert.deepEqual(
      later().map((a) => `${a.rule} ${a.evidence['sendServer']}`),
      ['anomaly.risky_sequence mail'],
    );
  });

  it('stays quiet across sessions, after the window, after a denied read, and after a public read', () => {
    const h = trained();
    const later = h.since();
    h.feed([
      inSession('s-1', call(CAROL, at(10, 10), getEmployee)),
      inSession('s-2', call(CAROL, at(10, 10, 1), post)),
      inSession('s-3', call(CAROL, at(10, 11), getEmployee)),
      inSession('s-3', call(CAROL, at(10, 11, 11), post)),
      inSession('s-4', call(CAROL, at(10, 13), getEmployee, { decision: 'denied' })),
      inSession('s-4', call(CAROL, at(10, 13, 1), post)),
      inSession('s-5', call(ALICE, at(10, 14), toolOf(ALICE, 'fs__read_file'))),
      inSession('s-5', call(ALICE, at(10, 14, 1), toolOf(ALICE, 'github__create_comment'))),
    ]);
    assert.deepEqual(later(), []);
  });

  it('counts a repeat within the dedup window and reports it after', () => {
    const h = trained();
    const later = h.since();
    h.feed([
      inSession('s-1', call(CAROL, at(10, 10), getEmployee)),
      inSession('s-1', call(CAROL, at(10, 10, 1), post)),
      inSession('s-1', call(CAROL, at(10, 10, 5), post)),
    ]);
    assert.equal(later().length, 1);
    h.feed([
      inSession('s-2', call(CAROL, at(10, 11, 10), getEmployee)),
      inSession('s-2', call(CAROL, at(10, 11, 11), post)),
    ]);
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.suppressed, 1);
    assert.equal(alerts[1]!.sessionId, 's-2');
  });
});
