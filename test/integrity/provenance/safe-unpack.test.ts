// Unpacking refuses the whole tarball when any entry could write outside the package or create something that is
// not a plain file, directory or in-tree symlink.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { RampartError } from '../../../src/errors.ts';
import { entryProblem, unpackTarball } from '../../../src/integrity/provenance/safe-unpack.ts';

const work = mkdtempSync(path.join(tmpdir(), 'rampart-unpack-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Entry {
  path: string;
  type?: string;
  body?: string;
  linkpath?: string;
}

/** A gzip tarball with exactly these raw entries (no sanitising packer in between). */
function tarball(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = Buffer.alloc(512);
    new Header({
      path: entry.path,
      type: (entry.type ?? 'File') as Header['type'],
      size: entry.type === undefined || entry.type === 'File' ? body.length : 0,
      mode: 0o644,
      mtime: new Date(0),
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    }).encode(header);
    blocks.push(header);
    if (body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

let n = 0;
const fresh = () => path.join(work, `t${n++}`, 'package');

test('a plain package unpacks below its top directory, in-tree symlinks included', async () => {
  const dir = fresh();
  await unpackTarball(
    tarball([
      { path: 'package/package.json', body: '{"name":"x","version":"1.0.0"}' },
      { path: 'package/lib/index.js', body: 'module.exports = 1;\n' },
      { path: 'package/index.js', type: 'SymbolicLink', linkpath: 'lib/index.js' },
    ]),
    dir,
  );
  assert.equal(readFileSync(path.join(dir, 'lib/index.js'), 'utf8'), 'module.exports = 1;\n');
  assert.equal(readlinkSync(path.join(dir, 'index.js')), 'lib/index.js');
});

test('absolute paths, "..", links out of the tree, hard links and devices refuse the whole tarball', async () => {
  const bad: Array<[string, Entry]> = [
    ['absolute path', { path: '/tmp/rampart-evil', body: 'x' }],
    ['".." path', { path: 'package/../../evil', body: 'x' }],
    ['symlink out', { path: 'package/link', type: 'SymbolicLink', linkpath: '../../etc/passwd' }],
    ['absolute symlink', { path: 'package/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
    ['hard link', { path: 'package/hard', type: 'Link', linkpath: 'package/package.json' }],
    ['character device', { path: 'package/tty', type: 'CharacterDevice' }],
    ['fifo', { path: 'package/pipe', type: 'FIFO' }],
  ];
  for (const [label, entry] of bad) {
    const dir = fresh();
    await assert.rejects(
      unpackTarball(tarball([{ path: 'package/package.json', body: '{}' }, entry]), dir),
      (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_PACKAGE_UNSAFE_ARCHIVE',
      label,
    );
  }
  assert.equal(existsSync('/tmp/rampart-evil'), false);
  assert.equal(existsSync(path.join(work, 'evil')), false);
});

test('a tarball that is not gzip/tar at all is refused', async () => {
  await assert.rejects(
    unpackTarball(Buffer.from('not a tarball'), fresh()),
    (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_PACKAGE_UNSAFE_ARCHIVE',
  );
});

test('entry rules', () => {
  assert.equal(entryProblem('package/a/b.js', 'File', undefined), undefined);
  assert.equal(entryProblem('package/a/b', 'SymbolicLink', '../c'), undefined);
  assert.match(entryProblem('package/a', 'SymbolicLink', '../../c') ?? '', /out of the package/);
  assert.match(entryProblem('C:/x', 'File', undefined) ?? '', /absolute/);
  assert.match(entryProblem('package\\..\\x', 'File', undefined) ?? '', /\.\./);
  assert.match(entryProblem('package/dev', 'BlockDevice', undefined) ?? '', /BlockDevice/);
});
