// `rampart manifest build|sign|verify|keygen`: the publisher's side of signed tool manifests (build one from a
// server's definitions, sign it with Ed25519) and the operator's check of one before configuring it.
// Exit codes: 0 fine, 1 verification failed or unusable input, 2 usage problems.
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ManifestConfig } from '../config/manifest-schema.ts';
import { buildManifest } from '../integrity/manifest/build.ts';
import { servedFromDefinitions } from '../integrity/manifest/definitions.ts';
import {
  generateManifestKeyPair,
  keyIdOf,
  loadPrivateKey,
  loadPublicKey,
  shortKeyId,
  signManifest,
} from '../integrity/manifest/ed25519.ts';
import { parseManifest, serializeManifest } from '../integrity/manifest/format.ts';
import { loadVerifiedManifest } from '../integrity/manifest/load.ts';
import { ManifestError } from '../integrity/manifest/manifest-error.ts';

export const MANIFEST_USAGE = `Usage: rampart manifest <command> [options]

  build --from DEFINITIONS.json --server NAME --publisher TEXT [--expires ISO]
        print a manifest of the definitions (a JSON object {tools, prompts, resourceTemplates, instructions?,
        serverInfo?} as the server returns them) to stdout
  sign --key PRIVATE.pem MANIFEST.json [--out FILE.sig]
        write a detached Ed25519 signature over the manifest's bytes (default: MANIFEST.json.sig)
  verify MANIFEST.json (--signature FILE.sig --key PUBLIC.pem [--key ...]
                        | --bundle BUNDLE.json --trusted-root ROOT.json --issuer URL (--subject S | --subject-regex RE))
        check the signature or Sigstore bundle and the manifest's validity period
  keygen --out PREFIX [--force]
        write a new Ed25519 key pair: PREFIX.key (private, mode 0600) and PREFIX.pub
`;

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

class UsageError extends Error {}

/** Runs `rampart manifest` with its arguments; resolves to the exit code. */
export async function manifestCommand(args: string[], io?: Partial<Io>): Promise<number> {
  const out = io?.out ?? ((text: string) => process.stdout.write(text));
  const err = io?.err ?? ((text: string) => process.stderr.write(text));
  try {
    const { values, positionals } = parse(args);
    const [command, ...rest] = positionals;
    if (values.help || command === undefined) {
      out(MANIFEST_USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    switch (command) {
      case 'build':
        return build(values, rest, { out, err });
      case 'sign':
        return sign(values, rest, { out, err });
      case 'verify':
        return await verify(values, rest, { out, err });
      case 'keygen':
        return keygen(values, rest, { out, err });
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof ManifestError) {
      err(`rampart manifest: ${e.code}: ${e.message}\n`);
      return 1;
    }
    if (
      e instanceof UsageError ||
      (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      err(`rampart manifest: ${e.message}\n${MANIFEST_USAGE}`);
      return 2;
    }
    throw e;
  }
}

type Values = ReturnType<typeof parse>['values'];

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: 'string', multiple: true },
      out: { type: 'string' },
      signature: { type: 'string' },
      bundle: { type: 'string' },
      'trusted-root': { type: 'string' },
      issuer: { type: 'string' },
      subject: { type: 'string' },
      'subject-regex': { type: 'string' },
      from: { type: 'string' },
      server: { type: 'string' },
      publisher: { type: 'string' },
      expires: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function build(values: Values, rest: string[], io: Io): number {
  if (rest.length > 0) throw new UsageError('build takes no positional arguments');
  const from = required(values.from, '--from DEFINITIONS.json');
  const server = required(values.server, '--server NAME');
  const publisher = required(values.publisher, '--publisher TEXT');
  let expiresAt: Date | undefined;
  if (values.expires !== undefined) {
    expiresAt = new Date(values.expires);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(values.expires) || Number.isNaN(expiresAt.getTime())) {
      throw new UsageError(`--expires ${JSON.stringify(values.expires)} is not an ISO 8601 date-time`);
    }
  }
  let definitions: unknown;
  try {
    definitions = JSON.parse(readText(from, 'definitions file'));
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw new ManifestError('RAMPART_MANIFEST_INVALID', `the definitions file ${from} is not valid JSON`);
  }
  const manifest = buildManifest(servedFromDefinitions(definitions), {
    server,
    publisher,
    issuedAt: new Date(),
    expiresAt,
  });
  io.out(serializeManifest(manifest));
  return 0;
}

function sign(values: Values, rest: string[], io: Io): number {
  if (rest.length !== 1) throw new UsageError('sign takes one manifest file');
  const file = rest[0]!;
  const keyFile = required(
    values.key?.length === 1 ? values.key[0] : undefined,
    'exactly one --key PRIVATE.pem',
  );
  const bytes = readBytes(file, 'manifest');
  // Signing a manifest Rampart would refuse helps no one; say so before anything is written.
  parseManifest(bytes);
  const keyPem = readText(keyFile, 'private key');
  const signature = signManifest(bytes, keyPem);
  const outFile = values.out ?? `${file}.sig`;
  writeFileSync(outFile, signature);
  const keyId = keyIdOf(createPublicKey(loadPrivateKey(keyPem)));
  io.out(`signed ${file} with key ${shortKeyId(keyId)}: ${outFile}\n`);
  return 0;
}

async function verify(values: Values, rest: string[], io: Io): Promise<number> {
  if (rest.length !== 1) throw new UsageError('verify takes one manifest file');
  const ed25519 = values.signature !== undefined || values.key !== undefined;
  const sigstore =
    values.bundle !== undefined ||
    values['trusted-root'] !== undefined ||
    values.issuer !== undefined ||
    values.subject !== undefined ||
    values['subject-regex'] !== undefined;
  if (!ed25519 && !sigstore) {
    throw new UsageError('give --signature and --key, or --bundle, --trusted-root, --issuer and --subject');
  }
  const config: { -readonly [K in keyof ManifestConfig]: ManifestConfig[K] } = { file: rest[0]! };
  if (ed25519) {
    config.signature = required(values.signature, '--signature FILE.sig');
    config.publisherKeys = required(values.key, '--key PUBLIC.pem');
  }
  if (sigstore) {
    config.bundle = required(values.bundle, '--bundle BUNDLE.json');
    config.trustedRoot = required(values['trusted-root'], '--trusted-root ROOT.json');
    const issuer = required(values.issuer, '--issuer URL');
    if ((values.subject === undefined) === (values['subject-regex'] === undefined)) {
      throw new UsageError('give exactly one of --subject and --subject-regex');
    }
    config.identities = [
      values.subject !== undefined
        ? { issuer, subject: values.subject }
        : { issuer, subjectRegex: values['subject-regex'] },
    ];
  }
  const result = await loadVerifiedManifest(config, process.cwd(), new Date());
  if (!result.ok) {
    io.err(`rampart manifest: ${result.code}: ${result.reason}\n`);
    return 1;
  }
  const m = result.manifest;
  io.out(
    `ok: manifest of "${m.server}" by ${JSON.stringify(m.publisher)}, signed by ${result.signer}; ` +
      `${m.tools.length} tools, ${m.prompts.length} prompts, ${m.resourceTemplates.length} resource templates` +
      `${m.instructions ? ', instructions' : ''}${m.expiresAt ? `; expires ${m.expiresAt}` : ''}\n`,
  );
  return 0;
}

function keygen(values: Values, rest: string[], io: Io): number {
  if (rest.length > 0) throw new UsageError('keygen takes no positional arguments');
  const prefix = required(values.out, '--out PREFIX');
  const { privateKeyPem, publicKeyPem } = generateManifestKeyPair();
  const keyFile = `${prefix}.key`;
  const pubFile = `${prefix}.pub`;
  if (values.force) {
    // Removed rather than overwritten: an existing file keeps its mode, and the private key must be 0600.
    rmSync(keyFile, { force: true });
    rmSync(pubFile, { force: true });
  }
  const existing = [keyFile, pubFile].find((file) => existsSync(file));
  if (existing !== undefined) {
    io.err(`rampart manifest: ${existing} exists; use --force to replace it\n`);
    return 1;
  }
  try {
    writeFileSync(keyFile, privateKeyPem, { mode: 0o600, flag: 'wx' });
    writeFileSync(pubFile, publicKeyPem, { mode: 0o644, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      io.err(
        `rampart manifest: ${(e as NodeJS.ErrnoException).path ?? prefix} exists; use --force to replace it\n`,
      );
      return 1;
    }
    throw e;
  }
  io.out(
    `wrote ${keyFile} (private, keep it secret) and ${pubFile}; key id ${keyIdOf(loadPublicKey(publicKeyPem))}\n`,
  );
  return 0;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UsageError(`${what} is required`);
  return value;
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ManifestError(
      'RAMPART_MANIFEST_UNREADABLE',
      `cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function readText(path: string, what: string): string {
  return readBytes(path, what).toString('utf8');
}
