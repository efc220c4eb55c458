import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { z } from 'zod';
import { renderConfigReference } from '../../src/config/docs.ts';
import { configSchema } from '../../src/config/schema.ts';

const DOCS = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

test('docs/configuration.md is the generated reference (run `npm run docs:config` after schema changes)', () => {
  assert.equal(DOCS, renderConfigReference());
});

// Walks the zod schema itself rather than the JSON Schema the generator uses, so a generator bug that
// drops options cannot hide here.
function leafPaths(schema: z.core.$ZodType, path: string): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'default':
    case 'optional':
      return leafPaths((def as z.core.$ZodDefaultDef).innerType, path);
    case 'object':
      return Object.entries((def as z.core.$ZodObjectDef).shape).flatMap(([key, child]) =>
        leafPaths(child, path === '' ? key : `${path}.${key}`),
      );
    case 'union':
      return (def as z.core.$ZodUnionDef).options.flatMap((option) => leafPaths(option, path));
    case 'array': {
      const element = (def as z.core.$ZodArrayDef).element;
      const isStructured = ['object', 'union'].includes(element._zod.def.type);
      return isStructured ? leafPaths(element, `${path}[]`) : [path];
    }
    default:
      return [path];
  }
}

test('every leaf option of the schema appears in the docs', () => {
  const leaves = [...new Set(leafPaths(configSchema, ''))];
  // Guards the walk itself: these sit inside defaults, the server union and nested objects.
  for (const known of ['listen.port', 'servers[].restart.resetAfterMs', 'servers[].headers', 'log.level']) {
    assert.ok(leaves.includes(known), `the schema walk missed ${known}`);
  }
  const missing = leaves.filter((leaf) => !DOCS.includes(`| \`${leaf}\` |`));
  assert.deepEqual(missing, []);
});
