// A tool's capability labels: config first, then only the explicit restrictive hints of its own server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policySchema } from '../../src/config/policy-schema.ts';
import type { CallTarget } from '../../src/core/call.ts';
import { annotationLabels, itemLabels } from '../../src/flows/labels.ts';

const config = (extra: Record<string, unknown> = {}) => policySchema.parse({ files: ['p.cedar'], ...extra });
const tool = (name: string, annotations?: Record<string, unknown>): CallTarget => ({
  kind: 'tool',
  server: 'web',
  exposedName: `web__${name}`,
  item: { name, inputSchema: { type: 'object' }, ...(annotations ? { annotations } : {}) },
});

describe('capability labels', () => {
  it('adds destructive and untrusted_input only for hints declared true', () => {
    assert.deepEqual(annotationLabels({ annotations: { destructiveHint: true, openWorldHint: true } }), [
      'destructive',
      'untrusted_input',
    ]);
    // The MCP defaults (destructive, open world) never label: an unannotated tool gets its labels from config.
    assert.deepEqual(annotationLabels({}), []);
    assert.deepEqual(annotationLabels({ annotations: { destructiveHint: false, openWorldHint: false } }), []);
    // A contradicting readOnlyHint takes nothing away, and a non-boolean is no claim.
    assert.deepEqual(annotationLabels({ annotations: { readOnlyHint: true, destructiveHint: true } }), [
      'destructive',
    ]);
    assert.deepEqual(annotationLabels({ annotations: { openWorldHint: 'yes' } }), []);
  });

  it('unites the server’s and the item’s config labels with the tool’s hints, config first', () => {
    const c = config({ labels: { web: ['external'], web__fetch: ['untrusted_input', 'private_data'] } });
    assert.deepEqual(itemLabels(c, tool('fetch', { openWorldHint: true, destructiveHint: true })), [
      { label: 'external', via: 'config' },
      { label: 'untrusted_input', via: 'config' },
      { label: 'private_data', via: 'config' },
      { label: 'destructive', via: 'annotation' },
    ]);
  });

  it('a hint cannot remove a label config gives', () => {
    const c = config({ labels: { web__send: ['public_sink', 'destructive'] } });
    assert.deepEqual(
      itemLabels(c, tool('send', { readOnlyHint: true, destructiveHint: false, openWorldHint: false })).map(
        (l) => l.label,
      ),
      ['public_sink', 'destructive'],
    );
  });

  it('ignores the hints of listed servers or tools, and all hints when annotations are off', () => {
    const hinted = tool('fetch', { openWorldHint: true });
    assert.deepEqual(itemLabels(config({ flows: { ignoreAnnotations: ['web'] } }), hinted), []);
    assert.deepEqual(itemLabels(config({ flows: { ignoreAnnotations: ['web__fetch'] } }), hinted), []);
    assert.deepEqual(itemLabels(config({ flows: { annotations: false } }), hinted), []);
    assert.deepEqual(itemLabels(config({ flows: { ignoreAnnotations: ['web__other'] } }), hinted), [
      { label: 'untrusted_input', via: 'annotation' },
    ]);
  });

  it('labels prompts by name and server, resources by server', () => {
    const c = config({ labels: { docs: ['private_data'], docs__review: ['regulated'] } });
    assert.deepEqual(
      itemLabels(c, {
        kind: 'prompt',
        server: 'docs',
        exposedName: 'docs__review',
        item: { name: 'review' },
      }),
      [
        { label: 'private_data', via: 'config' },
        { label: 'regulated', via: 'config' },
      ],
    );
    assert.deepEqual(
      itemLabels(c, {
        kind: 'resource',
        server: 'docs',
        uri: 'rampart://docs/a',
        upstreamUri: 'docs://a',
        mimeType: undefined,
        templates: [],
      }),
      [{ label: 'private_data', via: 'config' }],
    );
  });
});
