// The line diff behind `rampart config diff`: its edit script rebuilds both sides, is as short as the longest
// common subsequence allows, and renders as a unified diff that shows every changed byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type DiffOp, diffLines } from '../../src/changes/line-diff.ts';
import { unifiedDiff, visible } from '../../src/changes/unified-diff.ts';

const side = (ops: readonly DiffOp[], drop: DiffOp['kind']) =>
  ops.filter((op) => op.kind !== drop).map((op) => op.line);

/** Length of the longest common subsequence (the textbook table; fine for the small inputs here). */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(row[j]!, row[j - 1]!);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

describe('diffLines', () => {
  it('rebuilds both sides and keeps a longest common subsequence', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b);
        assert.deepEqual(side(ops, 'insert'), a);
        assert.deepEqual(side(ops, 'delete'), b);
        assert.equal(ops.filter((op) => op.kind === 'equal').length, lcs(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('stays correct (if not shortest) past the edit bound', () => {
    const a = ['x', '1', '2', '3', 'y'];
    const b = ['x', '4', '5', '6', 'y'];
    const ops = diffLines(a, b, 1);
    assert.deepEqual(side(ops, 'insert'), a);
    assert.deepEqual(side(ops, 'delete'), b);
    assert.deepEqual(
      ops.map((op) => op.kind),
      ['equal', 'delete', 'delete', 'delete', 'insert', 'insert', 'insert', 'equal'],
    );
  });
});

describe('unifiedDiff', () => {
  it('writes hunks with three lines of context, merging changes that share it', () => {
    const old = `${Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;
    const changed = old
      .replace('line 2\n', 'line two\n')
      .replace('line 6\n', '')
      .replace('line 18\n', 'line 18\nnew\n');
    assert.equal(
      unifiedDiff(old, changed, 'a/p.cedar', 'b/p.cedar'),
      [
        '--- a/p.cedar',
        '+++ b/p.cedar',
        '@@ -1,9 +1,8 @@',
        ' line 1',
        '-line 2',
        '+line two',
        ' line 3',
        ' line 4',
        ' line 5',
        '-line 6',
        ' line 7',
        ' line 8',
        ' line 9',
        '@@ -16,5 +15,6 @@',
        ' line 16',
        ' line 17',
        ' line 18',
        '+new',
        ' line 19',
        ' line 20',
        '',
      ].join('\n'),
    );
  });

  it('marks a missing newline at the end, and names empty ranges by the line before them', () => {
    assert.equal(
      unifiedDiff('a\nb\n', 'a\nb', 'old', 'new'),
      '--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n',
    );
    assert.equal(unifiedDiff('', 'x\n', '/dev/null', 'new'), '--- /dev/null\n+++ new\n@@ -0,0 +1 @@\n+x\n');
    assert.equal(unifiedDiff('same\n', 'same\n', 'a', 'b'), '');
  });

  it('shows control characters and bidirectional overrides escaped, never raw', () => {
    const sneaky = 'permit(principal, action, resource); // \u001b[2K\u202eforbid\n';
    const out = unifiedDiff('', sneaky, 'a', 'b');
    assert.ok(!out.includes('\u001b') && !out.includes('\u202e'));
    assert.match(out, /\\x1b\[2K\\u202eforbid/);
    assert.equal(visible('tab\there\r'), 'tab\there\\x0d');
  });
});
