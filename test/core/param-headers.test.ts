// Mcp-Param-* headers must agree with the x-mcp-header arguments of the tool (Base64 sentinel decoded strictly).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mirroredParams, paramHeaderMismatch } from '../../src/core/param-headers.ts';
import { decodeHeaderValue, encodeHeaderValue } from '../../src/core/protocol.ts';

const schema = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    nested: { type: 'object', properties: { priority: { type: 'integer', 'x-mcp-header': 'Priority' } } },
    list: {
      type: 'array',
      items: { type: 'object', properties: { no: { type: 'string', 'x-mcp-header': 'No' } } },
    },
  },
};

describe('x-mcp-header parameters', () => {
  it('finds parameters reachable through properties only', () => {
    assert.deepEqual(mirroredParams(schema), [
      { path: ['region'], header: 'Region' },
      { path: ['nested', 'priority'], header: 'Priority' },
    ]);
  });

  it('accepts matching plain and Base64 headers, and omitted ones for absent arguments', () => {
    assert.equal(
      paramHeaderMismatch(
        schema,
        { region: 'us-west1', nested: { priority: 3 } },
        { 'mcp-param-region': 'us-west1', 'mcp-param-priority': '3' },
      ),
      undefined,
    );
    assert.equal(
      paramHeaderMismatch(schema, { region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVsbG8=?=' }),
      undefined,
    );
    assert.equal(paramHeaderMismatch(schema, {}, {}), undefined);
  });

  it('refuses missing, mismatched, badly padded or invalid Base64 headers', () => {
    assert.match(String(paramHeaderMismatch(schema, { region: 'a' }, {})), /required/);
    assert.match(
      String(paramHeaderMismatch(schema, { region: 'a' }, { 'mcp-param-region': 'b' })),
      /does not match/,
    );
    assert.match(
      String(paramHeaderMismatch(schema, { region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVsbG8?=' })),
      /malformed/,
    );
    assert.match(
      String(
        paramHeaderMismatch(schema, { region: 'Hello' }, { 'mcp-param-region': '=?base64?SGVs!!!bG8=?=' }),
      ),
      /malformed/,
    );
    assert.match(String(paramHeaderMismatch(schema, {}, { 'mcp-param-region': 'x' })), /present/);
  });

  it('round-trips header values through the sentinel encoding', () => {
    for (const value of ['us-west1', 'Hello, 世界', ' padded ', 'line1\nline2', '=?base64?literal?=']) {
      assert.equal(decodeHeaderValue(encodeHeaderValue(value)), value);
    }
    assert.equal(encodeHeaderValue('us-west1'), 'us-west1');
  });
});
