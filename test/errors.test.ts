// The error catalogue: codes the MCP spec reserves (-32020..-32022) are used only for their spec meaning, and
// Rampart's own codes stay inside the implementation-defined server error range.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS, JSONRPC } from '../src/errors.ts';

const SPEC_MEANING: Record<number, readonly string[]> = {
  [JSONRPC.HEADER_MISMATCH]: ['RAMPART_HEADER_MISMATCH'],
  [JSONRPC.MISSING_CLIENT_CAPABILITY]: ['RAMPART_MISSING_CLIENT_CAPABILITY'],
  [JSONRPC.UNSUPPORTED_PROTOCOL_VERSION]: ['RAMPART_UNSUPPORTED_PROTOCOL_VERSION'],
};

describe('error catalogue', () => {
  it('uses the spec-reserved codes only for their spec meaning', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      const owners = SPEC_MEANING[entry.rpc];
      if (owners) assert.ok(owners.includes(code), `${code} uses ${entry.rpc}, which the spec reserves`);
    }
  });

  it('keeps every code a standard JSON-RPC code or in the server error range', () => {
    const standard = new Set<number>([
      JSONRPC.PARSE_ERROR,
      JSONRPC.INVALID_REQUEST,
      JSONRPC.METHOD_NOT_FOUND,
      JSONRPC.INVALID_PARAMS,
      JSONRPC.INTERNAL_ERROR,
    ]);
    for (const [code, entry] of Object.entries(ERRORS)) {
      assert.ok(standard.has(entry.rpc) || (entry.rpc <= -32000 && entry.rpc >= -32099), code);
    }
  });
});
