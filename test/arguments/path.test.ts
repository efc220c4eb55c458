// Path arguments: traversal in every spelling (.., %2e%2e, double encoding, backslashes), absolute paths outside
// the roots, symlinks built in a temp dir that escape the root, and sensitive files are refused; plain paths
// inside a root pass and come back resolved. The real filesystem is used only inside a fresh temp dir.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SENSITIVE, isSensitive, type PathRules, vetPath } from '../../src/arguments/path.ts';

const fs = { realpath };
let base: string;
let root: string;
let rules: PathRules;

before(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'rampart-path-')));
  root = join(base, 'root');
  await mkdir(join(root, 'docs'), { recursive: true });
  await mkdir(join(base, 'outside'));
  await writeFile(join(root, 'docs', 'a.txt'), 'a');
  await writeFile(join(base, 'outside', 'secret.txt'), 's');
  await symlink(join(base, 'outside'), join(root, 'escape'));
  await symlink(join(root, 'docs'), join(root, 'inner'));
  await writeFile(join(root, 'key.pem'), 'k');
  await symlink(join(root, 'key.pem'), join(root, 'innocent.txt'));
  rules = { roots: [root], allowWrite: false, deny: [...DEFAULT_SENSITIVE] };
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refused(value: string, r: PathRules = rules): Promise<void> {
  const verdict = await vetPath(value, r, fs);
  assert.equal(verdict.ok, false, `${value} should be refused`);
}

describe('vetPath', () => {
  it('accepts relative and absolute paths inside the root and resolves symlinks inside it', async () => {
    const relative = await vetPath('docs/a.txt', rules, fs);
    assert.ok(relative.ok);
    assert.equal(relative.value.resolved, join(root, 'docs', 'a.txt'));
    assert.ok((await vetPath(join(root, 'docs/a.txt'), rules, fs)).ok);
    const linked = await vetPath('inner/a.txt', rules, fs);
    assert.ok(linked.ok);
    assert.equal(linked.value.resolved, join(root, 'docs', 'a.txt'));
    assert.ok((await vetPath('docs/./a.txt', rules, fs)).ok);
    assert.ok((await vetPath('docs%2Fa.txt', rules, fs)).ok);
  });

  it('refuses traversal in every spelling', async () => {
    await refused('../outside/secret.txt');
    await refused('docs/../../outside/secret.txt');
    await refused('docs/../a.txt');
    await refused('%2e%2e/outside/secret.txt');
    await refused('%2E%2E%2Foutside');
    await refused('%252e%252e/outside');
    await refused('..\\outside\\secret.txt');
    await refused('docs/a.txt\0.png');
    await refused('%zz');
  });

  it('refuses absolute paths outside the roots and home or drive prefixes', async () => {
    await refused('/etc/passwd');
    await refused(join(base, 'outside', 'secret.txt'));
    await refused(`${root}-sibling/x`);
    await refused('~/.ssh/id_rsa');
    await refused('C:/Windows/win.ini');
    await refused('');
  });

  it('refuses a symlink escaping the root, to a directory or a sensitive file', async () => {
    await refused('escape/secret.txt');
    await refused('escape');
    await refused('innocent.txt');
  });

  it('refuses sensitive files inside the root', async () => {
    await refused('key.pem');
    await refused('.env', { ...rules, allowWrite: true });
    await refused('sub/.ssh/authorized_keys', { ...rules, allowWrite: true });
    await refused('home/.aws/credentials', { ...rules, allowWrite: true });
    await refused('id_rsa.pub', { ...rules, allowWrite: true });
  });

  it('accepts missing files only with allowWrite, and still resolves their parent', async () => {
    await refused('docs/new.txt');
    const created = await vetPath('docs/new.txt', { ...rules, allowWrite: true }, fs);
    assert.ok(created.ok);
    assert.equal(created.value.resolved, join(root, 'docs', 'new.txt'));
    await refused('escape/new.txt', { ...rules, allowWrite: true });
  });
});

describe('isSensitive', () => {
  it('matches globs by segment, segment runs and absolute prefixes', () => {
    assert.ok(isSensitive('/etc/shadow', DEFAULT_SENSITIVE));
    assert.ok(isSensitive('/proc/1/environ', DEFAULT_SENSITIVE));
    assert.ok(isSensitive('/srv/app/.env.production', DEFAULT_SENSITIVE));
    assert.ok(!isSensitive('/srv/app/environment.md', DEFAULT_SENSITIVE));
    assert.ok(!isSensitive('/srv/etc/shadow', DEFAULT_SENSITIVE));
  });
});
