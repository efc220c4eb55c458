// Schemas compile for their declared dialect; a broken or unsupported schema becomes a result, never a throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchema, dialectOf } from '../../src/validate/compile.ts';

function compiled(schema: unknown) {
  const result = compileSchema(schema);
  assert.ok(result.ok, 'schema compiles');
  return result.validate;
}

describe('dialectOf', () => {
  it('defaults to 2020-12 and recognises draft-07 with or without "#"', () => {
    assert.equal(dialectOf({}), '2020-12');
    assert.equal(dialectOf({ $schema: 'https://json-schema.org/draft/2020-12/schema' }), '2020-12');
    assert.equal(dialectOf({ $schema: 'http://json-schema.org/draft-07/schema#' }), 'draft-07');
    assert.equal(dialectOf({ $schema: 'http://json-schema.org/draft-07/schema' }), 'draft-07');
    assert.equal(dialectOf({ $schema: 'http://json-schema.org/draft-04/schema#' }), undefined);
    assert.equal(dialectOf({ $schema: 42 }), undefined);
  });
});

describe('compileSchema', () => {
  it('applies 2020-12 keywords (prefixItems, $defs, unevaluatedProperties)', () => {
    const validate = compiled({
      type: 'object',
      $defs: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } },
      properties: { p: { $ref: '#/$defs/pair' } },
      unevaluatedProperties: false,
    });
    assert.equal(validate({ p: ['a', 1] }), undefined);
    assert.equal(validate({ p: [1, 'a'] })?.[0]?.keyword, 'type');
    assert.equal(validate({ p: ['a', 1], extra: true })?.at(-1)?.keyword, 'unevaluatedProperties');
  });

  it('applies draft-07 semantics when $schema says so (items as a tuple, definitions)', () => {
    const validate = compiled({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      definitions: { n: { type: 'number' } },
      properties: { t: { type: 'array', items: [{ type: 'string' }, { $ref: '#/definitions/n' }] } },
    });
    assert.equal(validate({ t: ['a', 1] }), undefined);
    assert.equal(validate({ t: ['a', 'b'] })?.[0]?.instancePath, '/t/1');
  });

  it('checks formats and ignores unknown formats and keywords', () => {
    const validate = compiled({
      type: 'object',
      properties: {
        mail: { type: 'string', format: 'email' },
        when: { type: 'string', format: 'date-time' },
        odd: { type: 'string', format: 'x-vendor-format', 'x-widget': 'fancy' },
      },
    });
    assert.equal(
      validate({ mail: 'a@example.com', when: '2026-01-01T00:00:00Z', odd: 'anything' }),
      undefined,
    );
    assert.equal(validate({ mail: 'not an address' })?.[0]?.keyword, 'format');
    assert.equal(validate({ when: 'yesterday' })?.[0]?.keyword, 'format');
  });

  it('turns a broken schema into a result', () => {
    for (const broken of [
      { type: 'objekt' },
      { properties: { a: { $ref: '#/$defs/missing' } } },
      { properties: { a: { $ref: 'https://schemas.example/remote.json' } } },
      { $schema: 'http://json-schema.org/draft-04/schema#' },
      null,
      [],
      'string',
    ]) {
      assert.equal(compileSchema(broken).ok, false, JSON.stringify(broken));
    }
  });

  it('compiles two schemas sharing one $id independently', () => {
    const a = compiled({
      $id: 'https://schemas.test/same',
      type: 'object',
      properties: { v: { type: 'string' } },
    });
    const b = compiled({
      $id: 'https://schemas.test/same',
      type: 'object',
      properties: { v: { type: 'number' } },
    });
    assert.equal(a({ v: 'x' }), undefined);
    assert.equal(b({ v: 1 }), undefined);
    assert.ok(a({ v: 1 }));
    assert.ok(b({ v: 'x' }));
  });

  it('keeps a recursive schema working after compiling', () => {
    const validate = compiled({
      $id: 'https://schemas.test/tree',
      type: 'object',
      properties: { children: { type: 'array', items: { $ref: '#' } }, name: { type: 'string' } },
    });
    assert.equal(validate({ name: 'a', children: [{ name: 'b', children: [] }] }), undefined);
    assert.equal(validate({ children: [{ name: 1 }] })?.[0]?.instancePath, '/children/0/name');
  });
});
