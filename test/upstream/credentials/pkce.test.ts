import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createPkce, s256, supportsS256 } from '../../../src/upstream/credentials/pkce.ts';

describe('PKCE', () => {
  it('makes a fresh RFC 7636 verifier and its S256 challenge', () => {
    const a = createPkce();
    const b = createPkce();
    assert.notEqual(a.verifier, b.verifier);
    assert.match(a.verifier, /^[A-Za-z0-9_-]{43,128}$/);
    assert.equal(a.method, 'S256');
    assert.equal(a.challenge, createHash('sha256').update(a.verifier).digest('base64url'));
  });

  it('matches the RFC 7636 appendix B example', () => {
    assert.equal(
      s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('supports a server only when its metadata lists S256', () => {
    assert.ok(supportsS256(['plain', 'S256']));
    assert.ok(!supportsS256(['plain']));
    assert.ok(!supportsS256(undefined));
  });
});
