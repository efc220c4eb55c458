// Rampart's log through the vault: a secret's value never reaches a log line, in the message, a field, a nested
// field, an error or a child logger's bindings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/monitor/logger.ts';
import { ExposureMatcher } from '../../src/vault/exposure.ts';
import { scrubbingLogger } from '../../src/vault/log-scrub.ts';

describe('log scrubbing', () => {
  it('replaces secret values in every part of a log line', () => {
    const lines: string[] = [];
    const matcher = new ExposureMatcher([{ name: 'TOKEN', kind: 'secret', value: 'secret-value-123' }]);
    const log = scrubbingLogger(
      createLogger('debug', {}, (line) => lines.push(line)),
      matcher,
    );
    log.info('upstream stderr', { line: 'using secret-value-123' });
    log.warn('failed with secret-value-123', { nested: { deep: ['secret-value-123'] } });
    log.error('boom', { error: new Error('bad key secret-value-123') });
    log.child({ server: 'secret-value-123' }).debug('child', { n: 1 });
    const text = lines.join('');
    assert.equal(lines.length, 4);
    assert.ok(!text.includes('secret-value-123'));
    assert.equal(text.split('[REDACTED:TOKEN]').length - 1, 5);
  });
});
