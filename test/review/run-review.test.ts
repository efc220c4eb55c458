// A review of the fixture history at a frozen `now`: exactly the expected findings, with their evidence, in a
// stable order; options move the limits; the report's summary and patch agree with the findings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FINDING_KINDS } from '../../src/review/report.ts';
import { runReview } from '../../src/review/run-review.ts';
import { buildFixture, DAY, expectedFindings } from './fixture.ts';
import { configDirOf, fixtureConfig } from './helpers.ts';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

describe('runReview', () => {
  it('finds exactly the unused grants, uncalled tools, old approvals and unprotected servers', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const report = await runReview({
      config: fixtureConfig(fixture),
      configDir: configDirOf(fixture),
      now: NOW,
      source: 'cli',
    });
    const expected = expectedFindings(NOW);
    assert.deepEqual(
      report.findings.map((f) => [f.kind, f.subject]),
      expected.map(([kind, subject]) => [kind, subject]),
    );
    for (const [i, [, , evidence]] of expected.entries()) {
      const finding = report.findings[i]!;
      for (const [key, value] of Object.entries(evidence)) {
        assert.deepEqual(finding.evidence[key], value, `${finding.kind} ${finding.subject}: ${key}`);
      }
      assert.ok(finding.recommendation.length > 0);
      assert.ok(finding.message.length > 0);
    }
    assert.equal(report.time, new Date(NOW).toISOString());
    assert.equal(report.period.from, new Date(NOW - 30 * DAY).toISOString());
    assert.deepEqual(report.options, { unusedDays: 30, approvalAgeDays: 90 });
    assert.deepEqual(report.summary.byKind, {
      'grant.unused': 2,
      'tool.never_called': 2,
      'tool.unused': 1,
      'approval.stale': 4,
      'server.unsigned': 2,
      'server.unsandboxed': 1,
    });
    assert.equal(report.summary.findings, 12);
    assert.equal(report.summary.policies, 6);
    assert.equal(report.summary.pins, 7);
    assert.equal(report.summary.servers, 3);
    assert.equal(report.summary.events, 12);
    assert.deepEqual(report.notes, []);
    assert.match(report.id, /^rev_[0-9a-f]{16}$/);
    assert.equal(report.source, 'cli');
  });

  it('writes a patch that names both files relative to the config directory', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const report = await runReview({
      config: fixtureConfig(fixture),
      configDir: configDirOf(fixture),
      now: NOW,
      source: 'cli',
    });
    assert.ok(report.patch);
    assert.match(report.patch, /^--- a\/policies\/extra\.cedar\n\+\+\+ b\/policies\/extra\.cedar\n/);
    assert.match(report.patch, /\n--- a\/policies\/main\.cedar\n\+\+\+ b\/policies\/main\.cedar\n/);
  });

  it('moves the limits with the options', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const review = (options: { unusedDays?: number; approvalAgeDays?: number }) =>
      runReview({
        config: fixtureConfig(fixture),
        configDir: configDirOf(fixture),
        now: NOW,
        source: 'cli',
        options,
      });
    // 45 days: send-mail (40 days ago) and mail/send count as used; only the never-used grant is left.
    const wide = await review({ unusedDays: 45, approvalAgeDays: 365 });
    assert.deepEqual(
      wide.findings
        .filter((f) => f.kind.startsWith('grant') || f.kind.startsWith('tool'))
        .map((f) => f.subject),
      ['extra.cedar:1', 'docs/search', 'notes/archive'],
    );
    assert.equal(wide.summary.byKind['approval.stale'], 0);
    // 1 day: what was last used 2 or more days ago is unused (an event exactly at the period's start counts);
    // approvals older than 5 days are stale, those of exactly 5 days not yet.
    const narrow = await review({ unusedDays: 1, approvalAgeDays: 5 });
    assert.deepEqual(
      narrow.findings.filter((f) => f.kind === 'grant.unused').map((f) => f.subject),
      ['extra.cedar:1', 'legacy-export', 'send-mail'],
    );
    assert.deepEqual(
      narrow.findings.filter((f) => f.kind === 'approval.stale').map((f) => f.subject),
      ['mail/tool:send', 'notes/identity', 'notes/tool:archive', 'notes/tool:delete', 'notes/tool:read'],
    );
  });

  it('reviews no grants without a policy section and says so, and works without an audit log', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const config = fixtureConfig(fixture);
    const { policy: _policy, ...withoutPolicy } = config;
    const report = await runReview({
      config: { ...withoutPolicy, stateDir: `${fixture.stateDir}-empty` },
      configDir: configDirOf(fixture),
      now: NOW,
      source: 'schedule',
    });
    assert.equal(report.summary.byKind['grant.unused'], 0);
    assert.equal(report.summary.pins, 0);
    assert.equal(report.patch, null);
    assert.equal(report.notes.length, 2);
    assert.deepEqual(
      FINDING_KINDS.filter((k) => report.summary.byKind[k] > 0),
      ['server.unsigned', 'server.unsandboxed'],
    );
  });
});
