// Pins: RFC 8785 canonical JSON (key order and number forms do not change a hash, any field does), and the set
// hash, which changes on a rename, an addition or a removal even where every remaining per-name pin matches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { sha256Hex } from '../../src/audit/canonical.ts';
import { contractHash, pinsOf, setHash } from '../../src/integrity/pins.ts';

const TOOL = {
  name: 'read',
  title: 'Read',
  description: 'Reads a file.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
  outputSchema: { type: 'object' },
  annotations: { readOnlyHint: true },
  _meta: { 'x/y': 1 },
  icons: [{ src: 'https://example.com/i.png' }],
};
const served = (tools: object[]) => ({
  tools: tools as Record<string, unknown>[],
  prompts: [],
  resourceTemplates: [],
  instructions: undefined,
  identity: undefined,
});

describe('pins', () => {
  it('hashes the RFC 8785 form of the whole contract', () => {
    assert.equal(contractHash(TOOL), sha256Hex(canonicalize(TOOL) as string));
    const reordered = Object.fromEntries(Object.entries(TOOL).reverse());
    assert.equal(contractHash(reordered), contractHash(TOOL));
    assert.equal(contractHash({ n: 1.0 }), contractHash({ n: 1 }));
  });

  it('changes with every field of the contract', () => {
    const base = contractHash(TOOL);
    for (const [field, value] of Object.entries({
      name: 'read2',
      title: 'Read!',
      description: 'Reads a file. ',
      inputSchema: { type: 'object' },
      outputSchema: { type: 'string' },
      annotations: { readOnlyHint: false },
      _meta: { 'x/y': 2 },
      icons: [],
    })) {
      assert.notEqual(contractHash({ ...TOOL, [field]: value }), base, field);
    }
  });

  it('keeps the set hash sensitive to renames, additions and removals', () => {
    const one = setHash(pinsOf(served([TOOL])));
    const renamed = setHash(pinsOf(served([{ ...TOOL, name: 'read_v2' }])));
    const added = setHash(pinsOf(served([TOOL, { ...TOOL, name: 'write' }])));
    const none = setHash(pinsOf(served([])));
    assert.equal(new Set([one, renamed, added, none]).size, 4);
    // Order of the list does not matter.
    const b = { ...TOOL, name: 'b' };
    assert.equal(setHash(pinsOf(served([TOOL, b]))), setHash(pinsOf(served([b, TOOL]))));
  });

  it('pins identity, instructions, prompts and templates under their own keys', () => {
    const pins = pinsOf({
      tools: [TOOL],
      prompts: [{ name: 'p' }],
      resourceTemplates: [{ uriTemplate: 'f://{x}', name: 't' }],
      instructions: 'Be careful.',
      identity: { name: 'files', spki: 'sha256/abc' },
    });
    assert.deepEqual(
      pins.map((p) => `${p.kind}:${p.key}`),
      ['identity:', 'instructions:', 'tool:read', 'prompt:p', 'resourceTemplate:f://{x}'],
    );
  });
});
