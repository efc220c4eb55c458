// The validator checks limits, then the schema, caches one compiled validator per schema hash (bounded), and
// reports a stable code with the failing JSON pointer and keyword, never the caller's long values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompileResult, compileSchema } from '../../src/validate/compile.ts';
import { DEFAULT_ARGUMENT_LIMITS } from '../../src/validate/limits.ts';
import { createArgumentValidator, type ValidationOutcome } from '../../src/validate/validator.ts';

const payment = {
  type: 'object',
  properties: {
    amount: { type: 'number', minimum: 0 },
    payee: {
      type: 'object',
      properties: {
        iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}' },
        email: { type: 'string', format: 'email' },
      },
      required: ['iban'],
      additionalProperties: false,
    },
    tags: { type: 'array', items: { type: 'string', maxLength: 8 } },
  },
  required: ['amount'],
};

function failure(outcome: ValidationOutcome) {
  assert.equal(outcome.ok, false);
  return outcome as Extract<ValidationOutcome, { ok: false }>;
}

function countingCompiler() {
  const calls: unknown[] = [];
  const compile = (schema: unknown): CompileResult => {
    calls.push(schema);
    return compileSchema(schema);
  };
  return { calls, compile };
}

describe('createArgumentValidator', () => {
  const validator = createArgumentValidator();

  it('accepts valid arguments', () => {
    assert.deepEqual(validator.validate(payment, { amount: 5, payee: { iban: 'DE12x' }, tags: ['a'] }), {
      ok: true,
    });
  });

  it('names the failing pointer and keyword', () => {
    const bad = failure(validator.validate(payment, { amount: -1 }));
    assert.equal(bad.code, 'RAMPART_ARGUMENT_INVALID');
    assert.deepEqual([bad.data['path'], bad.data['keyword']], ['/amount', 'minimum']);
    assert.match(bad.reason, /\/amount/);
    assert.match(bad.reason, /minimum/);
  });

  it('names nested pointers, array indexes and formats', () => {
    const nested = failure(validator.validate(payment, { amount: 1, payee: { iban: 'nope' } }));
    assert.deepEqual([nested.data['path'], nested.data['keyword']], ['/payee/iban', 'pattern']);
    const item = failure(validator.validate(payment, { amount: 1, tags: ['ok', 'much too long'] }));
    assert.deepEqual([item.data['path'], item.data['keyword']], ['/tags/1', 'maxLength']);
    const format = failure(validator.validate(payment, { amount: 1, payee: { iban: 'DE12', email: 'x' } }));
    assert.deepEqual([format.data['path'], format.data['keyword']], ['/payee/email', 'format']);
  });

  it('points at a missing or an extra property itself', () => {
    const missing = failure(validator.validate(payment, { amount: 1, payee: {} }));
    assert.deepEqual([missing.data['path'], missing.data['keyword']], ['/payee/iban', 'required']);
    const extra = failure(validator.validate(payment, { amount: 1, payee: { iban: 'DE12', 'a/b': 1 } }));
    assert.deepEqual([extra.data['path'], extra.data['keyword']], ['/payee/a~1b', 'additionalProperties']);
  });

  it('never echoes a long value or property name', () => {
    const secret = 'S'.repeat(5000);
    const extra = failure(validator.validate(payment, { amount: 1, payee: { iban: 'DE12', [secret]: 1 } }));
    assert.ok(!extra.reason.includes(secret));
    assert.ok(JSON.stringify(extra.data).length < 400);
    const wrongType = failure(validator.validate(payment, { amount: secret }));
    assert.ok(!wrongType.reason.includes('SSSSSSSSSS'));
  });

  it('validates draft-07 schemas by their $schema', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { when: { type: 'string', format: 'date' }, n: { exclusiveMinimum: 0 } },
    };
    assert.deepEqual(validator.validate(schema, { when: '2026-02-01', n: 1 }), { ok: true });
    const bad = failure(validator.validate(schema, { n: 0 }));
    assert.deepEqual([bad.data['path'], bad.data['keyword']], ['/n', 'exclusiveMinimum']);
  });

  it('reports the outermost failure of a combinator', () => {
    const schema = {
      type: 'object',
      properties: { v: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
    };
    const bad = failure(validator.validate(schema, { v: 1.5 }));
    assert.deepEqual([bad.data['path'], bad.data['keyword']], ['/v', 'anyOf']);
  });

  it('names the root as an empty pointer', () => {
    const bad = failure(validator.validate({ type: 'object' }, []));
    assert.deepEqual([bad.data['path'], bad.data['keyword']], ['', 'type']);
  });

  it('checks limits before the schema', () => {
    const { calls, compile } = countingCompiler();
    const limited = createArgumentValidator({
      limits: { ...DEFAULT_ARGUMENT_LIMITS, maxArrayLength: 2 },
      compile,
    });
    const bad = failure(limited.validate(payment, { amount: 1, tags: ['a', 'b', 'c'] }));
    assert.equal(bad.code, 'RAMPART_ARGUMENT_LIMIT');
    assert.deepEqual(bad.data, { path: '/tags', limit: 'maxArrayLength', max: 2 });
    assert.equal(calls.length, 0);
  });

  it('refuses every call against a broken schema with a distinct code, compiling it once', () => {
    const { calls, compile } = countingCompiler();
    const cached = createArgumentValidator({ compile });
    const broken = { type: 'object', properties: { a: { $ref: '#/$defs/nowhere' } } };
    for (let i = 0; i < 3; i++)
      assert.equal(failure(cached.validate(broken, {})).code, 'RAMPART_TOOL_SCHEMA_INVALID');
    assert.equal(calls.length, 1);
    assert.equal(failure(cached.validate(undefined, {})).code, 'RAMPART_TOOL_SCHEMA_INVALID');
  });

  it('compiles one schema once, keyed by its contract hash (not object identity or key order)', () => {
    const { calls, compile } = countingCompiler();
    const cached = createArgumentValidator({ compile });
    const copy = JSON.parse(JSON.stringify(payment)) as Record<string, unknown>;
    const reordered = { required: copy['required'], properties: copy['properties'], type: copy['type'] };
    for (const schema of [payment, copy, reordered]) assert.ok(cached.validate(schema, { amount: 1 }).ok);
    assert.equal(calls.length, 1);
    assert.ok(cached.validate({ ...payment, required: [] }, {}).ok);
    assert.equal(calls.length, 2);
  });

  it('keeps the cache bounded, recompiling what it evicted', () => {
    const { calls, compile } = countingCompiler();
    const cached = createArgumentValidator({ compile, cacheSize: 2 });
    const schema = (n: number) => ({ type: 'object', properties: { [`p${n}`]: { type: 'number' } } });
    cached.validate(schema(1), {});
    cached.validate(schema(2), {});
    cached.validate(schema(3), {});
    assert.equal(calls.length, 3);
    cached.validate(schema(3), {});
    assert.equal(calls.length, 3);
    cached.validate(schema(1), {});
    assert.equal(calls.length, 4);
  });
});
