// The revoking patch: applied with `patch -p1` and `git apply` in the config directory it removes exactly the
// unused grants (annotations included) and leaves every other byte alone; the patched files still load.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadPolicyFiles } from '../../src/policy/policy-files.ts';
import { revokePatch, statementRange } from '../../src/review/revoke-patch.ts';
import { runReview } from '../../src/review/run-review.ts';
import { tempDir } from '../audit/helpers.ts';
import { buildFixture, EXTRA_CEDAR_REVOKED, MAIN_CEDAR_REVOKED } from './fixture.ts';
import { configDirOf, fixtureConfig } from './helpers.ts';

const run = promisify(execFile);
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const FILES = ['policies/main.cedar', 'policies/extra.cedar'];

/** Applies `patch` in `dir` with the given tool's command line; fails the test if the tool refuses it. */
async function apply(dir: string, patch: string, tool: 'patch' | 'git'): Promise<void> {
  const file = path.join(dir, 'revoke.patch');
  writeFileSync(file, patch);
  const args = tool === 'patch' ? ['-p1', '--forward', '--batch', '-i', file] : ['apply', '-p1', file];
  await run(tool, args, { cwd: dir });
}

/** A copy of the fixture's policy files in a fresh directory. */
function copyPolicies(t: { after(fn: () => void): void }, from: string): string {
  const dir = tempDir(t, 'rampart-review-apply-');
  mkdirSync(path.join(dir, 'policies'));
  for (const f of FILES) cpSync(path.join(from, f), path.join(dir, f));
  return dir;
}

describe('revoking patch', () => {
  for (const tool of ['patch', 'git'] as const) {
    it(`applies with ${tool === 'patch' ? 'patch -p1' : 'git apply'} and removes exactly the unused grants`, async (t) => {
      const fixture = await buildFixture(t, NOW);
      const report = await runReview({
        config: fixtureConfig(fixture),
        configDir: configDirOf(fixture),
        now: NOW,
        source: 'cli',
      });
      const dir = copyPolicies(t, fixture.dir);
      await apply(dir, report.patch!, tool);
      assert.equal(readFileSync(path.join(dir, 'policies/main.cedar'), 'utf8'), MAIN_CEDAR_REVOKED);
      assert.equal(readFileSync(path.join(dir, 'policies/extra.cedar'), 'utf8'), EXTRA_CEDAR_REVOKED);
      const after = loadPolicyFiles(FILES.map((f) => path.join(dir, f))).policies;
      assert.deepEqual(
        after.map((p) => p.id),
        ['list-all', 'read-notes', 'no-delete', 'legacy-export'],
      );
      // What is left is the same policies, word for word.
      const before = loadPolicyFiles(FILES.map((f) => path.join(fixture.dir, f))).policies;
      for (const policy of after) assert.equal(policy.text, before.find((p) => p.id === policy.id)!.text);
    });
  }

  it('cuts one statement out of a line it shares, and handles CRLF files and a missing last newline', (t) => {
    const dir = tempDir(t, 'rampart-review-lines-');
    const file = path.join(dir, 'p.cedar');
    const text =
      '@id("a") permit (principal, action == Action::"list", resource); @id("b") permit (principal, action, resource);\r\n' +
      '\r\n' +
      '  @id("c")\r\n  permit (principal, action == Action::"call", resource); // c\r\n' +
      '@id("d") permit (principal, action == Action::"get", resource);';
    writeFileSync(file, text);
    const policies = loadPolicyFiles([file]).policies;
    const byId = (id: string) => policies.find((p) => p.id === id)!;
    const cut = (id: string) => {
      const [start, end] = statementRange(text, byId(id))!;
      return text.slice(0, start) + text.slice(end);
    };
    // At the start of a shared line: the statement and the blanks after it.
    assert.equal(cut('a').split('\r\n')[0], '@id("b") permit (principal, action, resource);');
    // After another statement: only the statement.
    assert.equal(
      cut('b').split('\r\n')[0],
      '@id("a") permit (principal, action == Action::"list", resource); ',
    );
    // Alone on its lines (indented, a comment after it): the whole lines with their CRLF.
    assert.equal(
      cut('c'),
      text.replace('  @id("c")\r\n  permit (principal, action == Action::"call", resource); // c\r\n', ''),
    );
    // The last statement, without a newline at the end.
    assert.equal(cut('d'), text.slice(0, text.indexOf('@id("d")')));
  });

  it('applies to a CRLF file with git apply', async (t) => {
    const dir = tempDir(t, 'rampart-review-crlf-');
    const file = path.join(dir, 'p.cedar');
    const text =
      '@id("keep")\r\npermit (principal, action, resource);\r\n\r\n@id("drop")\r\npermit (principal, action == Action::"list", resource);\r\n';
    writeFileSync(file, text);
    const policies = loadPolicyFiles([file]).policies;
    const { patch, removed } = revokePatch(
      policies.filter((p) => p.id === 'drop'),
      dir,
    );
    assert.deepEqual(removed, ['drop']);
    await apply(dir, patch!, 'git');
    assert.equal(readFileSync(file, 'utf8'), '@id("keep")\r\npermit (principal, action, resource);\r\n\r\n');
  });

  it('leaves files outside the config directory and files changed since loading alone, saying why', (t) => {
    const dir = tempDir(t, 'rampart-review-outside-');
    const file = path.join(dir, 'p.cedar');
    writeFileSync(
      file,
      '@id("x") permit (principal, action, resource);\n@id("y") permit (principal, action, resource);\n',
    );
    const policies = loadPolicyFiles([file]).policies;
    const outside = revokePatch(policies, path.join(dir, 'config'));
    assert.equal(outside.patch, null);
    assert.deepEqual(
      outside.skipped.map((s) => s.id),
      ['x', 'y'],
    );
    writeFileSync(
      file,
      '@id("x") permit (principal, action, resource);\n@id("y") permit (principal, action == Action::"list", resource);\n',
    );
    const changed = revokePatch(policies, dir);
    assert.deepEqual(changed.removed, ['x']);
    assert.deepEqual(
      changed.skipped.map((s) => s.id),
      ['y'],
    );
    assert.equal(
      changed.patched.get(file),
      '@id("y") permit (principal, action == Action::"list", resource);\n',
    );
  });

  it('is null when nothing is unused', () => {
    assert.deepEqual(revokePatch([], '/'), { patch: null, patched: new Map(), removed: [], skipped: [] });
  });
});
