import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerChallenge, parseWwwAuthenticate } from '../../../src/upstream/credentials/www-authenticate.ts';

describe('WWW-Authenticate parsing', () => {
  it('reads the parameters MCP uses from a Bearer challenge', () => {
    const challenge = bearerChallenge(
      'Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", error_description="File write permission required"',
    );
    assert.equal(challenge?.params['error'], 'insufficient_scope');
    assert.equal(challenge?.params['scope'], 'files:read files:write');
    assert.equal(
      challenge?.params['resource_metadata'],
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    );
  });

  it('keeps several challenges apart and finds Bearer case-insensitively', () => {
    const all = parseWwwAuthenticate('DPoP algs="ES256", bearer realm="mcp", scope=read');
    assert.deepEqual(
      all.map((c) => c.scheme),
      ['DPoP', 'bearer'],
    );
    assert.equal(all[0]?.params['algs'], 'ES256');
    assert.deepEqual(bearerChallenge('DPoP algs="ES256", bearer realm="mcp", scope=read')?.params, {
      realm: 'mcp',
      scope: 'read',
    });
  });

  it('handles escapes, odd spacing and a bare scheme', () => {
    assert.equal(
      bearerChallenge('Bearer  realm = "a \\"quoted\\" realm" ')?.params['realm'],
      'a "quoted" realm',
    );
    assert.deepEqual(bearerChallenge('Bearer')?.params, {});
  });

  it('lets the first occurrence of a parameter win and names are case-insensitive', () => {
    assert.equal(bearerChallenge('Bearer Scope="a", scope="b"')?.params['scope'], 'a');
  });

  it('returns nothing for absent, empty, non-Bearer or oversized headers', () => {
    assert.equal(bearerChallenge(undefined), undefined);
    assert.equal(bearerChallenge(''), undefined);
    assert.equal(bearerChallenge('Basic realm="x"'), undefined);
    assert.deepEqual(parseWwwAuthenticate(`Bearer realm="${'x'.repeat(9000)}"`), []);
  });
});
