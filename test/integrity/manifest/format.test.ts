// The manifest format: built from what a server serves with the same hashes Rampart pins, and parsed strictly so
// that a malformed or ambiguous manifest is refused with a reason naming the offending key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildManifest } from '../../../src/integrity/manifest/build.ts';
import { servedFromDefinitions } from '../../../src/integrity/manifest/definitions.ts';
import { parseManifest, serializeManifest } from '../../../src/integrity/manifest/format.ts';
import { ManifestError } from '../../../src/integrity/manifest/manifest-error.ts';
import { contractHash, type ServedDefinitions } from '../../../src/integrity/pins.ts';

const SERVED: ServedDefinitions = {
  tools: [
    { name: 'write_file', description: 'Write a file', inputSchema: { type: 'object' } },
    { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object' } },
  ],
  prompts: [{ name: 'summarise', description: 'Summarise a text' }],
  resourceTemplates: [{ uriTemplate: 'file:///{path}', name: 'files' }],
  instructions: 'Use read_file before write_file.',
  identity: { name: 'files-server', spki: 'AAAA' },
};

const META = { server: 'files', publisher: 'Acme Tools', issuedAt: new Date('2026-03-01T00:00:00Z') };

function refusal(input: string | Uint8Array): string {
  try {
    parseManifest(input);
  } catch (err) {
    assert.ok(err instanceof ManifestError);
    assert.equal(err.code, 'RAMPART_MANIFEST_INVALID');
    return err.message;
  }
  assert.fail('expected the manifest to be refused');
}

const valid = () => JSON.parse(serializeManifest(buildManifest(SERVED, META))) as Record<string, unknown>;

describe('buildManifest', () => {
  it('lists every definition under its key with its contractHash, sorted, and pins the server name', () => {
    const manifest = buildManifest(SERVED, { ...META, expiresAt: new Date('2026-06-01T00:00:00Z') });
    assert.equal(manifest.rampartManifest, 1);
    assert.equal(manifest.issuedAt, '2026-03-01T00:00:00.000Z');
    assert.equal(manifest.expiresAt, '2026-06-01T00:00:00.000Z');
    assert.deepEqual(manifest.tools, [
      { name: 'read_file', sha256: contractHash(SERVED.tools[1]) },
      { name: 'write_file', sha256: contractHash(SERVED.tools[0]) },
    ]);
    assert.deepEqual(manifest.prompts, [{ name: 'summarise', sha256: contractHash(SERVED.prompts[0]) }]);
    assert.deepEqual(manifest.resourceTemplates, [
      { uriTemplate: 'file:///{path}', sha256: contractHash(SERVED.resourceTemplates[0]) },
    ]);
    assert.deepEqual(manifest.instructions, { sha256: contractHash(SERVED.instructions) });
    // The TLS key a gateway sees is not the publisher's to sign; only the name is.
    assert.deepEqual(manifest.identity, { name: 'files-server' });
  });

  it('round-trips through its serialised form', () => {
    const manifest = buildManifest(SERVED, META);
    assert.deepEqual(parseManifest(Buffer.from(serializeManifest(manifest))), manifest);
  });

  it('omits instructions and identity the server does not have', () => {
    const manifest = buildManifest({ ...SERVED, instructions: undefined, identity: undefined }, META);
    assert.equal(manifest.instructions, undefined);
    assert.equal(manifest.identity, undefined);
  });

  it('refuses a definition without a name', () => {
    assert.throws(
      () => buildManifest({ ...SERVED, tools: [{ description: 'anonymous' }] }, META),
      (err) => err instanceof ManifestError && err.code === 'RAMPART_MANIFEST_INVALID',
    );
  });

  it('reads a definitions file as a server returns its lists', () => {
    const served = servedFromDefinitions({
      tools: SERVED.tools,
      prompts: SERVED.prompts,
      resourceTemplates: SERVED.resourceTemplates,
      instructions: SERVED.instructions,
      serverInfo: { name: 'files-server', version: '1.2.3' },
    });
    assert.deepEqual(served.identity, { name: 'files-server' });
    assert.equal(served.tools.length, 2);
    assert.deepEqual(servedFromDefinitions({}).tools, []);
    for (const bad of [
      [],
      { tools: {} },
      { tools: [{ description: 'x' }] },
      { tool: [] },
      { instructions: 1 },
    ]) {
      assert.throws(
        () => servedFromDefinitions(bad),
        (err) => err instanceof ManifestError && err.code === 'RAMPART_MANIFEST_INVALID',
      );
    }
  });
});

describe('parseManifest', () => {
  it('refuses what is not JSON, not UTF-8 or not an object', () => {
    assert.match(refusal('{"rampartManifest": 1,'), /not valid JSON/);
    assert.match(refusal(Buffer.from([0x7b, 0xff, 0x7d])), /UTF-8/);
    assert.match(refusal('[1]'), /not a JSON object/);
  });

  it('names an unsupported version and a missing version', () => {
    assert.match(refusal(JSON.stringify({ ...valid(), rampartManifest: 2 })), /version 2/);
    const { rampartManifest: _, ...rest } = valid();
    assert.match(refusal(JSON.stringify(rest)), /rampartManifest/);
  });

  it('names unknown keys, missing keys and malformed values', () => {
    assert.match(refusal(JSON.stringify({ ...valid(), extra: true })), /unknown key extra/);
    const { tools: _, ...noTools } = valid();
    assert.match(refusal(JSON.stringify(noTools)), /tools is missing/);
    const badHash = valid();
    badHash['tools'] = [{ name: 'a', sha256: 'ABC' }];
    assert.match(refusal(JSON.stringify(badHash)), /tools\[0\]\.sha256/);
    assert.match(refusal(JSON.stringify({ ...valid(), issuedAt: 'yesterday' })), /issuedAt/);
    assert.match(
      refusal(JSON.stringify({ ...valid(), expiresAt: '2026-02-01T00:00:00Z' })),
      /expiresAt: must be later than issuedAt/,
    );
  });

  it('refuses two entries under one name', () => {
    const manifest = valid();
    const tools = manifest['tools'] as unknown[];
    manifest['tools'] = [...tools, tools[0]];
    assert.match(refusal(JSON.stringify(manifest)), /tools\[2\]: duplicate "read_file"/);
  });
});
