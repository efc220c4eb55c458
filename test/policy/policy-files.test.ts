// Loading .cedar files: every problem points at its file, line and column; ids come from @id or file and line;
// @approval belongs on forbids; an argument no tool declares is a warning, a misread declared one an error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argumentsTypeOf } from '../../src/policy/arguments.ts';
import { loadPolicyFiles, PolicyLoadError } from '../../src/policy/policy-files.ts';

function load(files: Record<string, string>, argumentsType?: string) {
  return loadPolicyFiles(Object.keys(files), {
    read: (file) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    },
    ...(argumentsType ? { argumentsType } : {}),
  });
}

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PolicyLoadError);
    return err.problems;
  }
  assert.fail('expected a PolicyLoadError');
}

describe('policy files', () => {
  it('names policies by @id, else by file and line, and keeps file positions', () => {
    const source = load({
      '/p/base.cedar':
        '// lists\npermit(principal, action == Action::"list", resource);\n\n@id("readers")\npermit(principal in Group::"r", action, resource);\n',
    });
    assert.deepEqual(
      source.policies.map((p) => [p.id, p.line, p.column]),
      [
        ['base.cedar:2', 2, 1],
        ['readers', 4, 1],
      ],
    );
    assert.match(source.digest, /^[0-9a-f]{64}$/);
  });

  it('reports a parse error at its line and column, in the right file', () => {
    const problems = problemsOf(() =>
      load({
        '/p/a.cedar': 'permit(principal, action, resource);\n',
        '/p/b.cedar': 'permit(principal, action, resource);\n\n  forbid(principal,, action, resource);\n',
      }),
    );
    assert.equal(problems.length, 1);
    assert.deepEqual([problems[0]!.file, problems[0]!.line, problems[0]!.column], ['/p/b.cedar', 3, 20]);
  });

  it('reports a validation error against the MCP schema with file, line and column (multi-byte text before it)', () => {
    const problems = problemsOf(() =>
      load({
        '/p/a.cedar':
          '// “quotes” and ü\n@id("x")\npermit(principal, action == Action::"call", resource)\nwhen { context.nope == 1 };\n',
      }),
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.policyId, 'x');
    assert.deepEqual([problems[0]!.line, problems[0]!.column], [4, 8]);
  });

  it('refuses duplicate ids, bad ids and @approval on a permit', () => {
    const problems = problemsOf(() =>
      load({
        '/p/a.cedar':
          '@id("dup") permit(principal, action, resource);\n@id("dup") permit(principal, action, resource);\n' +
          '@id("has space") permit(principal, action, resource);\n@approval permit(principal, action, resource);\n',
      }),
    );
    assert.equal(problems.length, 3);
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3, 4],
    );
  });

  it('reports an unreadable file instead of skipping it', () => {
    const problems = problemsOf(() => loadPolicyFiles(['/nonexistent/rampart/x.cedar'], {}));
    assert.equal(problems[0]!.file, '/nonexistent/rampart/x.cedar');
  });

  it('types context.arguments from input schemas: a misread declared argument is an error', () => {
    const typed = argumentsTypeOf([
      { type: 'object', properties: { path: { type: 'string' }, amount: { type: 'integer' } } },
    ]);
    const text =
      '@id("a") permit(principal, action == Action::"call", resource)\nwhen { context.arguments has amount && context.arguments.amount like "1*" };';
    const problems = problemsOf(() => load({ '/p/a.cedar': text }, typed.type));
    assert.equal(problems[0]!.policyId, 'a');
    assert.equal(problems[0]!.line, 2);
  });

  it('an argument no tool declares is a warning (it evaluates as absent), not an error', () => {
    const text =
      '@id("a") forbid(principal, action == Action::"call", resource)\nwhen { context.arguments.ticket == "" };\npermit(principal, action, resource);';
    const source = load({ '/p/a.cedar': text }, '{path?: String}');
    assert.equal(source.policies.length, 2);
    assert.ok(source.warnings.some((w) => w.policyId === 'a' && w.line === 2));
  });

  it('names arguments declared with different types by different tools as conflicts', () => {
    const typed = argumentsTypeOf([
      { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } } },
      { type: 'object', properties: { id: { type: 'integer' } } },
    ]);
    assert.deepEqual(typed.conflicts, ['id']);
    assert.equal(typed.type, '{n?: Long}');
  });
});
