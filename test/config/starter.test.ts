import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../src/config/load.ts';
import { STARTER_CONFIG, writeStarterConfig } from '../../src/config/starter.ts';

test('the starter config passes the loader', () => {
  const config = parseConfigText(STARTER_CONFIG, 'rampart.yaml');
  assert.deepEqual(
    config.servers.map((server) => server.name),
    ['everything'],
  );
  assert.equal(config.listen.host, '127.0.0.1');
});

test('writing the starter config never overwrites an existing file without force', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-init-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rampart.yaml');
  writeFileSync(file, 'mine\n');
  assert.equal(writeStarterConfig(file, { force: false }), false);
  assert.equal(readFileSync(file, 'utf8'), 'mine\n');
  assert.equal(writeStarterConfig(file, { force: true }), true);
  assert.equal(readFileSync(file, 'utf8'), STARTER_CONFIG);
});
