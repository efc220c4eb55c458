// Exposed names and URIs round-trip to the upstream's own names, including resource templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { exposeName, exposeUri, ownName, ownUri, uriNamespace } from '../../src/core/names.ts';

const ns = { namespace: 'fs', separator: '__' };
const bare = { namespace: '', separator: '__' };

describe('names', () => {
  it('prefixes tool names with the namespace and strips it back', () => {
    assert.equal(exposeName(ns, 'read_file'), 'fs__read_file');
    assert.equal(ownName(ns, 'fs__read_file'), 'read_file');
    assert.equal(ownName(ns, 'other__read_file'), undefined);
    assert.equal(ownName(ns, 'fs__'), undefined);
    assert.equal(exposeName(bare, 'x'), 'x');
  });

  it('maps any resource URI to a rampart:// URI and back', () => {
    fc.assert(
      fc.property(fc.webUrl(), fc.string(), (url, suffix) => {
        const uri = `${url}${encodeURIComponent(suffix)}`;
        const exposed = exposeUri(ns, uri);
        assert.equal(uriNamespace(exposed), 'fs');
        assert.equal(ownUri(ns, exposed), uri);
      }),
    );
  });

  it('keeps template expressions expandable', () => {
    const template = exposeUri(ns, 'file:///{path}/data');
    assert.equal(template, 'rampart://fs/file%3A%2F%2F%2F{path}%2Fdata');
    const expanded = template.replace('{path}', 'a%20b');
    assert.equal(ownUri(ns, expanded), 'file:///a b/data');
  });

  it('leaves URIs unmapped for an empty namespace but never claims a mapped URI', () => {
    assert.equal(exposeUri(bare, 'test://x'), 'test://x');
    assert.equal(ownUri(bare, 'test://x'), 'test://x');
    assert.equal(ownUri(bare, 'rampart://fs/x'), undefined);
  });
});
