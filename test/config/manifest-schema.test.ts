// A server's `manifest:` config: accepted only with a fully configured verification route, and every gap named
// at the key that is missing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifestSchema } from '../../src/config/manifest-schema.ts';
import { problemsFromZodIssues } from '../../src/config/zod-issues.ts';

function problems(input: unknown): string[] {
  const parsed = manifestSchema.safeParse(input);
  if (parsed.success) return [];
  return problemsFromZodIssues(parsed.error.issues, input).map((p) => `${p.path.join('.')}: ${p.message}`);
}

const IDENTITY = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'https://github.com/acme/x',
};

describe('manifest config', () => {
  it('accepts an Ed25519 route and a Sigstore route', () => {
    assert.deepEqual(problems({ file: 'm.json', signature: 'm.json.sig', publisherKeys: ['acme.pub'] }), []);
    assert.deepEqual(
      problems({
        file: 'm.json',
        bundle: 'm.sigstore.json',
        trustedRoot: 'root.json',
        identities: [IDENTITY],
      }),
      [],
    );
    assert.deepEqual(
      problems({
        file: 'm.json',
        bundle: 'b.json',
        trustedRoot: 'root.json',
        identities: [{ issuer: IDENTITY.issuer, subjectRegex: 'https://github\\.com/acme/.*' }],
      }),
      [],
    );
  });

  it('requires some route', () => {
    assert.equal(problems({ file: 'm.json' }).length, 1);
    assert.match(problems({ file: 'm.json' })[0]!, /^: configure how the manifest is verified/);
  });

  it('names the missing half of an Ed25519 route', () => {
    assert.deepEqual(
      problems({ file: 'm.json', signature: 'm.sig' }).map((p) => p.split(':')[0]),
      ['publisherKeys'],
    );
    assert.deepEqual(
      problems({ file: 'm.json', publisherKeys: ['a.pub'] }).map((p) => p.split(':')[0]),
      ['signature'],
    );
  });

  it('names what a Sigstore route lacks', () => {
    assert.deepEqual(
      problems({ file: 'm.json', bundle: 'b.json' }).map((p) => p.split(':')[0]),
      ['trustedRoot', 'identities'],
    );
    assert.deepEqual(
      problems({ file: 'm.json', identities: [IDENTITY] }).map((p) => p.split(':')[0]),
      ['bundle', 'trustedRoot'],
    );
  });

  it('wants exactly one of subject and subjectRegex, and a valid regex', () => {
    const route = { file: 'm.json', bundle: 'b.json', trustedRoot: 'r.json' };
    assert.equal(problems({ ...route, identities: [{ issuer: IDENTITY.issuer }] }).length, 1);
    assert.equal(problems({ ...route, identities: [{ ...IDENTITY, subjectRegex: '.*' }] }).length, 1);
    assert.deepEqual(problems({ ...route, identities: [{ issuer: IDENTITY.issuer, subjectRegex: '(' }] }), [
      'identities.0.subjectRegex: not a valid regular expression',
    ]);
  });

  it('refuses unknown keys', () => {
    assert.deepEqual(problems({ file: 'm.json', signature: 's', publisherKeys: ['k'], key: 'x' }), [
      'key: unknown key',
    ]);
  });
});
