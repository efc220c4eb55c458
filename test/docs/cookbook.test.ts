// The policy cookbook stays true: every recipe's test table passes when the real CLI runs it
// (`rampart policy test`), and every Cedar block of docs/policy-cookbook.md is copied verbatim from one of the
// tested files under docs/cookbook/, so the page cannot drift from what is tested.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(import.meta.dirname, '../..');
const COOKBOOK = path.join(REPO, 'docs/cookbook');
const PAGE = path.join(REPO, 'docs/policy-cookbook.md');

const filesEndingWith = (suffix: string) =>
  readdirSync(COOKBOOK)
    .filter((name) => name.endsWith(suffix))
    .sort();
const tables = filesEndingWith('.tests.yaml');
const policyFiles = filesEndingWith('.cedar');

describe('policy cookbook', () => {
  it('has a test table for every recipe and a recipe for every table', () => {
    assert.ok(tables.length > 0, 'no test tables in docs/cookbook');
    for (const cedar of policyFiles) {
      const table = cedar.replace(/\.cedar$/, '.tests.yaml');
      assert.ok(existsSync(path.join(COOKBOOK, table)), `${cedar} has no ${table}`);
    }
    for (const table of tables) {
      const cedar = table.replace(/\.tests\.yaml$/, '.cedar');
      assert.ok(existsSync(path.join(COOKBOOK, cedar)), `${table} has no ${cedar}`);
    }
  });

  for (const table of tables) {
    it(`rampart policy test docs/cookbook/${table} passes`, () => {
      const run = spawnSync(
        process.execPath,
        ['src/cli/main.ts', 'policy', 'test', path.join('docs/cookbook', table)],
        { cwd: REPO, encoding: 'utf8' },
      );
      const output = `${run.stdout}${run.stderr}`;
      assert.equal(run.status, 0, output);
      const summary = /^(\d+) passed, (\d+) failed$/m.exec(run.stdout);
      assert.ok(summary, `no summary line in:\n${output}`);
      assert.equal(summary[2], '0', output);
      assert.ok(Number(summary[1]) > 0, output);
      assert.doesNotMatch(run.stdout, /^FAIL/m);
    });
  }

  it('recipes combine: all the files validate together (distinct ids)', () => {
    const run = spawnSync(
      process.execPath,
      [
        'src/cli/main.ts',
        'policy',
        'validate',
        ...policyFiles.map((name) => path.join('docs/cookbook', name)),
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /^ok: \d+ policies in \d+ file\(s\)/m);
  });

  it('shows only Cedar that is copied verbatim from a tested file', () => {
    const page = readFileSync(PAGE, 'utf8');
    const sources = policyFiles.map((name) => ({
      name,
      text: readFileSync(path.join(COOKBOOK, name), 'utf8'),
    }));
    const blocks = [...page.matchAll(/^```cedar\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.replace(/\n$/, ''));
    assert.ok(blocks.length >= policyFiles.length, `only ${blocks.length} cedar blocks in the page`);
    for (const block of blocks) {
      assert.ok(
        sources.some((s) => s.text.includes(block)),
        `this cedar block of docs/policy-cookbook.md is in no docs/cookbook/*.cedar file:\n${block}`,
      );
    }
    // Every recipe is shown on the page.
    for (const { name, text } of sources) {
      assert.ok(
        blocks.some((block) => block === text.replace(/\n$/, '')),
        `docs/policy-cookbook.md does not show ${name} in full`,
      );
    }
  });
});
