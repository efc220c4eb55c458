import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalResource, resourceMatches } from '../../../src/upstream/credentials/resource.ts';

describe('resource indicators', () => {
  it('canonicalises upstream URLs', () => {
    assert.equal(canonicalResource('HTTPS://MCP.Example.com/mcp#frag'), 'https://mcp.example.com/mcp');
    assert.equal(canonicalResource('https://mcp.example.com/'), 'https://mcp.example.com');
    assert.equal(canonicalResource('https://mcp.example.com:8443'), 'https://mcp.example.com:8443');
    assert.equal(
      canonicalResource('https://mcp.example.com/server/mcp/'),
      'https://mcp.example.com/server/mcp/',
    );
  });

  it('accepts a PRM resource naming the upstream or a parent path on the same origin', () => {
    assert.ok(resourceMatches('https://mcp.example.com/mcp', 'https://mcp.example.com/mcp'));
    assert.ok(resourceMatches('https://mcp.example.com', 'https://mcp.example.com/mcp'));
    assert.ok(resourceMatches('https://mcp.example.com/', 'https://mcp.example.com/mcp'));
    assert.ok(resourceMatches('https://MCP.example.com/tenant', 'https://mcp.example.com/tenant/mcp'));
  });

  it('refuses another origin, a sibling path, a fragment or garbage', () => {
    assert.ok(!resourceMatches('https://evil.example.com/mcp', 'https://mcp.example.com/mcp'));
    assert.ok(!resourceMatches('http://mcp.example.com/mcp', 'https://mcp.example.com/mcp'));
    assert.ok(!resourceMatches('https://mcp.example.com:444/mcp', 'https://mcp.example.com/mcp'));
    assert.ok(!resourceMatches('https://mcp.example.com/mc', 'https://mcp.example.com/mcp'));
    assert.ok(!resourceMatches('https://mcp.example.com/other', 'https://mcp.example.com/mcp'));
    assert.ok(!resourceMatches('https://mcp.example.com/mcp#x', 'https://mcp.example.com/mcp'));
    assert.ok(!resourceMatches('not a url', 'https://mcp.example.com/mcp'));
  });
});
