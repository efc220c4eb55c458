// Command arguments: shell metacharacters and leading options are refused; plain arguments pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vetShellArgument } from '../../src/arguments/shell.ts';

describe('vetShellArgument', () => {
  for (const value of [
    'a; rm -rf /',
    'a | nc evil 1',
    'a && b',
    'a & b',
    '$(id)',
    '$HOME',
    '`id`',
    'a > /etc/passwd',
    'a < /etc/passwd',
    '(id)',
    'a\nid',
    'a\rid',
    '-rf',
    '--upload-pack=touch /tmp/x',
    ' -oProxyCommand=id',
  ]) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      assert.equal(vetShellArgument(value).ok, false);
    });
  }

  it('accepts plain arguments', () => {
    for (const value of ['README.md', 'src/index.ts', 'hello world', 'a-b_c.d', 'x=1', 'é']) {
      assert.ok(vetShellArgument(value).ok, value);
    }
  });
});
