// Cursors and requestState cannot be forged, altered or reused across kinds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createTokenSigner } from '../../src/core/signed-token.ts';

describe('signed tokens', () => {
  const signer = createTokenSigner(randomBytes(32));

  it('round-trips a payload', () => {
    const token = signer.sign('cursor', { o: 500, k: 'tools' });
    assert.deepEqual(signer.verify('cursor', token), { o: 500, k: 'tools' });
  });

  it('refuses a token of another kind or from another key', () => {
    const token = signer.sign('cursor', { o: 1 });
    assert.equal(signer.verify('mrtr', token), undefined);
    assert.equal(createTokenSigner(randomBytes(32)).verify('cursor', token), undefined);
  });

  it('refuses every single-character alteration', () => {
    const token = signer.sign('mrtr', { x: 'exchange', b: 'principal' });
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc012-_.'), (index, char) => {
        fc.pre(token[index] !== char);
        const altered = token.slice(0, index) + char + token.slice(index + 1);
        const payload = signer.verify('mrtr', altered);
        // Base64url may decode two spellings to the same bytes only in padding bits; the payload must then be unchanged.
        if (payload !== undefined) assert.deepEqual(payload, { x: 'exchange', b: 'principal' });
      }),
    );
  });

  it('refuses arbitrary garbage without throwing', () => {
    fc.assert(fc.property(fc.string(), (garbage) => signer.verify('cursor', garbage) === undefined));
  });
});
