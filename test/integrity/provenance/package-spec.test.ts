// Only an exact version of a registry package can be pinned: everything that can move is refused with a reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatPackageSpec,
  packageSpecProblem,
  parsePackageSpec,
} from '../../../src/integrity/provenance/package-spec.ts';

test('exact versions of plain and scoped packages parse', () => {
  assert.deepEqual(parsePackageSpec('npm:is-number@7.0.0'), { name: 'is-number', version: '7.0.0' });
  assert.deepEqual(parsePackageSpec('npm:@modelcontextprotocol/server-memory@2026.8.31'), {
    name: '@modelcontextprotocol/server-memory',
    version: '2026.8.31',
  });
  assert.deepEqual(parsePackageSpec('npm:x@1.0.0-rc.1'), { name: 'x', version: '1.0.0-rc.1' });
  assert.equal(formatPackageSpec({ name: '@a/b', version: '1.2.3' }), 'npm:@a/b@1.2.3');
});

test('tags, ranges, git, file and URL specs are refused, each with its own reason', () => {
  const refused: Array<[string, RegExp]> = [
    ['npm:is-number@latest', /dist-tag/],
    ['npm:is-number@next', /dist-tag/],
    ['npm:is-number', /exact version/],
    ['npm:@scope/pkg', /exact version/],
    ['npm:is-number@^7.0.0', /range/],
    ['npm:is-number@~7.0.0', /range/],
    ['npm:is-number@>=7', /range/],
    ['npm:is-number@7.x', /range/],
    ['npm:is-number@*', /range/],
    ['npm:is-number@7.0.0 || 8.0.0', /range/],
    ['npm:is-number@7', /exact semantic version/],
    ['npm:is-number@v7.0.0', /leading "v"/],
    ['npm:is-number@7.0.0+build.1', /build metadata/],
    ['npm:Is_Number@7.0.0', /not a valid npm package name/],
    ['npm:../evil@1.0.0', /not a valid npm package name/],
    ['git+https://github.com/org/repo.git#v1', /git specs/],
    ['github:org/repo', /git specs/],
    ['https://example.com/pkg.tgz', /URL specs/],
    ['file:../pkg', /file and directory/],
    ['./pkg', /file and directory/],
    ['is-number@7.0.0', /npm:<name>@<version>/],
  ];
  for (const [spec, reason] of refused) {
    assert.throws(() => parsePackageSpec(spec), reason, spec);
    assert.match(packageSpecProblem(spec) ?? '', reason, spec);
  }
  assert.equal(packageSpecProblem('npm:is-number@7.0.0'), undefined);
});
