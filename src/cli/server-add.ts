// `rampart server add npm:PKG@VERSION`: resolves one exact version from an allowed registry, verifies it (tarball
// integrity, registry signature, Sigstore provenance), installs it into the package cache, prints what was found,
// and appends a `package` server entry carrying the integrity pin to the config file, keeping its comments and
// layout (yaml's Document API). The file is only written when the new config still validates. Exit codes: 0
// added, 1 refused (verification, a duplicate name, an invalid config), 2 usage problems (a range or a tag too).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Document, isSeq, parseDocument } from 'yaml';
import { ConfigError } from '../config/config-error.ts';
import { parseConfigText } from '../config/load.ts';
import { RampartError } from '../errors.ts';
import { installIntoCache } from '../integrity/provenance/package-cache.ts';
import { packageCacheDir, verifyOptionsOf } from '../integrity/provenance/package-server.ts';
import {
  formatPackageSpec,
  type PackageSpec,
  parsePackageSpec,
} from '../integrity/provenance/package-spec.ts';
import type { PackageVerification } from '../integrity/provenance/types.ts';
import { verifyPackage } from '../integrity/provenance/verify-package.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';

export const SERVER_USAGE = `Usage: rampart server add npm:<name>@<version> [--config FILE] [--name NAME] [--bin BIN]

  Fetches that exact version from an allowed registry (supplyChain.registries), verifies its integrity, registry
  signature and provenance, caches it, and adds a \`package\` server with its integrity pin to the config file
  (default ./rampart.yaml). Tags (latest), ranges, git, file and URL specs are refused.
`;

export type ServerIo = CommandIo;

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;

/** Runs `rampart server` with its arguments; resolves to the exit code. */
export async function serverCommand(args: string[], io: ServerIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('server', SERVER_USAGE, io);
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help) {
    out(SERVER_USAGE);
    return 0;
  }
  const [sub, raw, ...extra] = positionals;
  if (sub !== 'add')
    return usage(sub === undefined ? 'give a subcommand: add' : `unknown subcommand "${sub}"`);
  if (raw === undefined || extra.length > 0) return usage('give exactly one package: npm:<name>@<version>');
  let spec: PackageSpec;
  try {
    spec = parsePackageSpec(raw);
  } catch (e) {
    err(`rampart server add: RAMPART_PACKAGE_SPEC: ${(e as Error).message}\n`);
    return 2;
  }
  const file = path.resolve(values.config);
  const name = values.name ?? defaultName(spec.name);
  if (!SERVER_NAME.test(name)) return usage(`"${name}" is not a valid server name; give one with --name`);
  try {
    return await add({ file, spec, name, bin: values.bin, out, now: io.now });
  } catch (e) {
    if (e instanceof ConfigError) err(`rampart server add: invalid configuration\n${e.message}\n`);
    else if (e instanceof RampartError) err(`rampart server add: ${e.code}: ${e.message}\n`);
    else err(`rampart server add: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

interface Add {
  readonly file: string;
  readonly spec: PackageSpec;
  readonly name: string;
  readonly bin: string | undefined;
  readonly out: (text: string) => void;
  readonly now: (() => number) | undefined;
}

async function add({ file, spec, name, bin, out, now }: Add): Promise<number> {
  const text = readText(file);
  const config = parseConfigText(text, file);
  if (config.servers.some((s) => s.name === name)) {
    throw new Error(`a server named "${name}" is already configured; choose another with --name`);
  }
  const ctx = { supplyChain: config.supplyChain, baseDir: path.dirname(file), stateDir: config.stateDir };
  const verified = await verifyPackage(spec, undefined, { ...verifyOptionsOf(ctx), ...(now ? { now } : {}) });
  out(report(verified.verification));
  const entry = await installIntoCache({
    cacheDir: packageCacheDir(ctx),
    spec,
    verification: verified.verification,
    tarball: verified.tarball,
    bin,
  });
  out(`cached in ${entry.dir} (bin: ${entry.bin.name})\n`);
  for (const f of entry.verification.findings.slice(verified.verification.findings.length)) {
    out(`  [${f.severity}] ${f.code}: ${f.message}\n`);
  }
  const server = {
    name,
    package: formatPackageSpec(spec),
    packageIntegrity: entry.verification.integrity,
    ...(bin ? { bin } : {}),
  };
  const next = appendServer(text, server, summary(entry.verification));
  parseConfigText(next, file);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, next);
  renameSync(temp, file);
  out(`added server "${name}" (${formatPackageSpec(spec)}) to ${file}\n`);
  return 0;
}

/**
 * The config text with one more entry at the end of `servers`. The entry is rendered by yaml and spliced in after
 * the last item, at its indentation, so every other byte of the file (comments, quoting, flow style) stays as it was;
 * a flow-style `servers: [...]` list is re-rendered by yaml's Document API instead (comments are kept).
 */
export function appendServer(text: string, server: Record<string, string>, comment: string): string {
  const doc = parseDocument(text);
  const servers = doc.get('servers', true);
  if (!isSeq(servers)) throw new Error('the config has no `servers` list to add to');
  const first = servers.items[0] as { range?: [number, number, number] } | undefined;
  if (servers.flow || !servers.range || !first?.range) {
    const node = doc.createNode(server);
    node.commentBefore = ` ${comment}`;
    servers.items.push(node);
    return doc.toString();
  }
  // The column of the first item's "-" is the indentation of every item.
  const lineStart = text.lastIndexOf('\n', first.range[0] - 1) + 1;
  const dash = text.lastIndexOf('-', first.range[0]);
  const indent = ' '.repeat(Math.max(0, dash - lineStart));
  const rendered = new Document([server]).toString().trimEnd().split('\n');
  const entry = [`${indent}# ${comment}`, ...rendered.map((line) => `${indent}${line}`)].join('\n');
  // After the line on which the list's last item ends.
  const end = servers.range[1];
  const newline = text.indexOf('\n', end > 0 ? end - 1 : 0);
  const at = newline === -1 ? text.length : newline + 1;
  const before = text.slice(0, at);
  return `${before}${before.endsWith('\n') || before === '' ? '' : '\n'}${entry}\n${text.slice(at)}`;
}

function report(v: PackageVerification): string {
  const lines = [
    `verified ${v.name}@${v.version} from ${v.registry}`,
    `  integrity:          ${v.integrity}`,
    `  registry signature: ${v.registrySignature}${v.signatureKeyIds.length > 0 ? ` (${v.signatureKeyIds.join(', ')})` : ''}`,
    `  provenance:         ${v.provenance}`,
  ];
  const facts: Array<[string, string | undefined]> = [
    ['source repository', v.facts.sourceRepository],
    ['source ref', v.facts.sourceRef],
    ['source commit', v.facts.sourceCommit],
    ['builder', v.facts.builder],
    ['workflow', v.facts.workflow],
    ['build run', v.facts.invocation],
    ['signed by', v.facts.signerIdentity],
  ];
  for (const [label, value] of facts) if (value) lines.push(`  ${`${label}:`.padEnd(20)}${value}`);
  if (v.findings.length === 0) lines.push('  findings:           none');
  else {
    lines.push('  findings:');
    for (const f of v.findings) lines.push(`    [${f.severity}] ${f.code}: ${f.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function summary(v: PackageVerification): string {
  const source = v.facts.sourceRepository ? ` from ${v.facts.sourceRepository}` : '';
  return `added by rampart server add: provenance ${v.provenance}${source}; registry signature ${v.registrySignature}`;
}

// The unscoped package name, with anything a server name may not hold replaced.
function defaultName(packageName: string): string {
  const base = (packageName.split('/').pop() ?? packageName).replace(/[^A-Za-z0-9_.-]/g, '-');
  return base.replace(/^[^A-Za-z0-9]+/, '').slice(0, 48);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(
      reason === 'ENOENT' ? `${file} does not exist (\`rampart init\` writes one)` : `${file}: ${reason}`,
    );
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c', default: 'rampart.yaml' },
      name: { type: 'string' },
      bin: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
