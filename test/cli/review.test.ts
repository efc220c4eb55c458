// `rampart review` through the real CLI: the fixture history's findings exactly (exit 1), the patch it writes
// applied with `patch -p1` in the config directory, stored reports listed and shown, a clean setup (exit 0), and
// usage problems (exit 2). The CLI reads the system clock, so the fixture is written around the test's start;
// every limit is days away from any event, so the seconds the test takes change nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadPolicyFiles } from '../../src/policy/policy-files.ts';
import type { ReviewReport } from '../../src/review/report.ts';
import type { StoredReviewSummary } from '../../src/review/review-store.ts';
import { REPO } from '../audit/helpers.ts';
import {
  buildFixture,
  EXTRA_CEDAR_REVOKED,
  expectedFindings,
  MAIN_CEDAR_REVOKED,
} from '../review/fixture.ts';

const execFileAsync = promisify(execFile);
const NODE = path.join(REPO, 'node_modules/.bin/node');
const MAIN = path.join(REPO, 'src/cli/main.ts');

async function rampart(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(NODE, [MAIN, 'review', ...args], { cwd: REPO });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

describe('rampart review', () => {
  it('reports the fixture history, writes the revoking patch, stores, lists and shows reports', async (t) => {
    const fixture = await buildFixture(t, Date.now());
    const config = fixture.configPath;
    const patchFile = path.join(fixture.dir, 'revoke.patch');

    const first = await rampart('--config', config, '--json', '--patch', patchFile);
    assert.equal(first.code, 1, first.err);
    const report = JSON.parse(first.out) as ReviewReport;
    const expected = expectedFindings(fixture.now);
    assert.deepEqual(
      report.findings.map((f) => [f.kind, f.subject]),
      expected.map(([kind, subject]) => [kind, subject]),
    );
    for (const [i, [, , evidence]] of expected.entries()) {
      for (const [key, value] of Object.entries(evidence)) {
        assert.deepEqual(report.findings[i]!.evidence[key], value, `${report.findings[i]!.subject}: ${key}`);
      }
    }
    assert.deepEqual(report.options, { unusedDays: 30, approvalAgeDays: 90 });
    assert.equal(report.source, 'cli');

    // The patch file is the report's patch; applied in the config directory it removes the two unused grants.
    const patch = readFileSync(patchFile, 'utf8');
    assert.equal(patch, report.patch);
    await execFileAsync('patch', ['-p1', '--batch', '-i', patchFile], { cwd: fixture.dir });
    assert.equal(readFileSync(path.join(fixture.dir, 'policies/main.cedar'), 'utf8'), MAIN_CEDAR_REVOKED);
    assert.equal(readFileSync(path.join(fixture.dir, 'policies/extra.cedar'), 'utf8'), EXTRA_CEDAR_REVOKED);
    const files = ['main.cedar', 'extra.cedar'].map((f) => path.join(fixture.dir, 'policies', f));
    assert.deepEqual(
      loadPolicyFiles(files).policies.map((p) => p.id),
      ['list-all', 'read-notes', 'no-delete', 'legacy-export'],
    );

    // Reviewed again as text with wider limits: no grant is unused any more; the servers still are findings.
    const second = await rampart('--config', config, '--unused-days', '45', '--approval-age-days', '365');
    assert.equal(second.code, 1, second.err);
    assert.doesNotMatch(second.out, /grant\.unused/);
    assert.match(second.out, /Tools never called \[tool\.never_called\]: 2/);
    assert.match(second.out, /Servers without a signed manifest \[server\.unsigned\]: 2/);
    const secondId = /stored as (rev_[0-9a-f]{16})/.exec(second.out)?.[1];
    assert.ok(secondId, second.out);

    const history = await rampart('history', '--config', config, '--json');
    assert.equal(history.code, 0, history.err);
    const listed = history.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StoredReviewSummary);
    assert.deepEqual(
      listed.map((r) => [r.id, r.source, r.options.unusedDays, r.summary.findings]),
      [
        [secondId, 'cli', 45, 5],
        [report.id, 'cli', 30, 12],
      ],
    );
    const table = await rampart('history', '--config', config);
    assert.equal(table.code, 0);
    assert.match(table.out, new RegExp(`^${secondId} .* cli +45/365 +5 `, 'm'));
    assert.match(table.out, new RegExp(`^${report.id} .* cli +30/90 +12 +grant\\.unused=2 `, 'm'));

    const shown = await rampart('show', report.id, '--config', config, '--json');
    assert.equal(shown.code, 0, shown.err);
    assert.deepEqual(JSON.parse(shown.out), report);
    const text = await rampart('show', report.id, '--config', config);
    assert.equal(text.code, 0);
    assert.match(text.out, new RegExp(`^Permission review ${report.id} `));
    assert.match(text.out, /permit send-mail \(policies\/main\.cedar:10\) allowed nothing in 30 days/);
    const missing = await rampart('show', 'rev_0000000000000000', '--config', config);
    assert.equal(missing.code, 1);
  });

  it('exits 0 without findings', async (t) => {
    const fixture = await buildFixture(t, Date.now());
    const config = path.join(fixture.dir, 'clean.yaml');
    writeFileSync(
      config,
      [
        'stateDir: clean-state',
        'servers:',
        '  - name: docs',
        '    url: http://127.0.0.1:10/mcp',
        '    manifest:',
        '      file: docs.manifest.json',
        '      signature: docs.manifest.sig',
        '      publisherKeys: [publisher.pem]',
        '',
      ].join('\n'),
    );
    const patchFile = path.join(fixture.dir, 'none.patch');
    const clean = await rampart('--config', config, '--patch', patchFile);
    assert.equal(clean.code, 0, clean.err);
    assert.match(clean.out, /^No findings\.$/m);
    assert.equal(readFileSync(patchFile, 'utf8'), '');
  });

  it('exits 2 on usage problems', async () => {
    for (const args of [
      ['--unused-days', '0'],
      ['--approval-age-days', 'soon'],
      ['show'],
      ['history', 'extra'],
      ['history', '--patch', 'x.patch'],
      ['frobnicate'],
      ['--bogus'],
    ]) {
      const result = await rampart(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
      assert.match(result.err, /^rampart review: /);
    }
  });
});
