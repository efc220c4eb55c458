// What a version is made of: the config file and the policy files it names, by path relative to the config
// directory, under one digest over the sorted (path, SHA-256) listing; and who authors it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { authorOf } from '../../src/changes/author.ts';
import { looseConfig } from '../../src/changes/loose-config.ts';
import { readSnapshot, versionDigest } from '../../src/changes/snapshot.ts';
import { PERMIT_ALL, project, TWO_PERSON_RULE } from './helpers.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('snapshots', () => {
  it('hashes the canonical listing of every file by relative path', (t) => {
    const p = project(t, TWO_PERSON_RULE);
    const snapshot = readSnapshot(p.config);
    assert.deepEqual(
      snapshot.files.map((f) => [f.path, f.role, f.sha256]),
      [
        ['rampart.yaml', 'config', sha256(readFileSync(p.config, 'utf8'))],
        ['policies/main.cedar', 'policy', sha256(PERMIT_ALL)],
      ],
    );
    const listing = [
      { path: 'policies/main.cedar', sha256: sha256(PERMIT_ALL) },
      { path: 'rampart.yaml', sha256: snapshot.files[0]!.sha256 },
    ];
    assert.equal(snapshot.digest, sha256(canonicalJson(listing)));
    assert.equal(versionDigest([...listing].reverse()), snapshot.digest, 'order does not matter');
    assert.equal(snapshot.twoPersonRule, true);
  });

  it('names an unreadable policy file with a stable code', (t) => {
    const p = project(t);
    rmSync(p.policy);
    assert.throws(
      () => readSnapshot(p.config),
      (err: { code?: string }) => err.code === 'RAMPART_CHANGE_FILE_UNREADABLE',
    );
  });

  it('reads what it needs from configs that do not validate, or are not YAML at all', () => {
    assert.deepEqual(looseConfig('stateDir: s\npolicy: { files: [a.cedar, 7] }\nservers: oops\n'), {
      policyFiles: ['a.cedar'],
      stateDir: 's',
      twoPersonRule: false,
    });
    assert.deepEqual(looseConfig('{ not yaml'), {
      policyFiles: [],
      stateDir: '.rampart',
      twoPersonRule: false,
    });
    assert.equal(looseConfig('changeControl: { twoPersonRule: "true" }').twoPersonRule, false);
  });
});

describe('authorOf', () => {
  it('takes --author, else RAMPART_AUTHOR, else the OS user', () => {
    assert.equal(authorOf(' carol ', { RAMPART_AUTHOR: 'dave' }), 'carol');
    assert.equal(authorOf(undefined, { RAMPART_AUTHOR: 'dave' }), 'dave');
    assert.equal(authorOf('', { RAMPART_AUTHOR: ' ' }), userInfo().username);
  });
});
