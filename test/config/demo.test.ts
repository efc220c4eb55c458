import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { test } from 'node:test';
import { demoConfig } from '../../src/config/demo.ts';
import { isStdioServer } from '../../src/config/schema.ts';

test('the demo config fronts the bundled demo server on loopback', () => {
  const config = demoConfig('.rampart');
  assert.equal(config.listen.host, '127.0.0.1');
  assert.equal(config.listen.port, 8787);
  assert.ok(isAbsolute(config.stateDir));
  const [server] = config.servers;
  assert.ok(server && isStdioServer(server));
  assert.equal(server.command, process.execPath);
  const [main] = server.args;
  assert.ok(main && isAbsolute(main) && main.endsWith('.ts') && existsSync(main));
});
