// Look-alike names: homoglyph skeletons, version and promotional affixes, small edits; unrelated names are not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookalikeAmong, lookalikeOf, skeleton } from '../../../src/detect/change/names.ts';

describe('look-alike names', () => {
  it('maps homoglyphs and separators to one skeleton', () => {
    assert.equal(skeleton('rеad_filе'), skeleton('read-file')); // Cyrillic е
    assert.deepEqual(lookalikeOf('gеt_weather', 'get_weather'), { kind: 'homoglyph', other: 'get_weather' });
  });

  it('catches version and promotional affixes', () => {
    assert.equal(lookalikeOf('search_files_v2', 'search_files')?.kind, 'affix');
    assert.equal(lookalikeOf('best-fetch_url', 'fetch_url')?.kind, 'affix');
    assert.equal(lookalikeOf('official_send_email', 'send_email')?.kind, 'affix');
  });

  it('catches a small edit of a long name', () => {
    assert.equal(lookalikeOf('get_commands_history', 'get_command_history')?.kind, 'edit');
  });

  it('leaves unrelated and merely similar short names alone', () => {
    assert.equal(lookalikeOf('read_file', 'write_file'), undefined);
    assert.equal(lookalikeOf('list', 'lint'), undefined);
    assert.equal(lookalikeOf('fetch', 'fetch'), undefined);
    assert.equal(lookalikeAmong('create_issue', ['list_issues', 'get_issue', 'search_code']), undefined);
  });
});
