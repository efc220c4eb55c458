// The statement checks around a verified bundle: which package URL npm attestations name, and that a provenance's
// claimed source repository is the one its signing certificate was issued to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RampartError } from '../../../src/errors.ts';
import { checkSourceMatchesSigner, purlOf } from '../../../src/integrity/provenance/attestations.ts';

test('npm attestations name the package as a purl with the scope percent-encoded', () => {
  assert.equal(purlOf({ name: 'is-number', version: '7.0.0' }), 'pkg:npm/is-number@7.0.0');
  assert.equal(purlOf({ name: '@scope/pkg', version: '1.0.0-rc.1' }), 'pkg:npm/%40scope/pkg@1.0.0-rc.1');
});

test('a provenance must name the repository its certificate was issued to', () => {
  const signer = 'https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v0.4.0';
  checkSourceMatchesSigner('https://github.com/sigstore/sigstore-js', signer, 'x@1.0.0');
  checkSourceMatchesSigner('https://github.com/sigstore/sigstore-js.git', signer, 'x@1.0.0');
  checkSourceMatchesSigner(undefined, signer, 'x@1.0.0');
  for (const claimed of ['https://github.com/sigstore/sigstore', 'https://github.com/evil/sigstore-js']) {
    assert.throws(
      () => checkSourceMatchesSigner(claimed, signer, 'x@1.0.0'),
      (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_PACKAGE_PROVENANCE',
      claimed,
    );
  }
});
