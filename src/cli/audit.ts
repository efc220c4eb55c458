// `rampart audit`: verify the tamper-evident log (the state directory's store, or an exported file), print an
// inclusion proof for one event, export the log as JSONL. Exit codes: 0 fine, 1 the log or proof does not
// verify, 2 usage or input problems.
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { AuditError } from '../audit/audit-error.ts';
import type { VerifyReport } from '../audit/chain-verifier.ts';
import { checkpointSigner, type SignedCheckpoint } from '../audit/checkpoint.ts';
import { exportLog } from '../audit/export.ts';
import { parseLine } from '../audit/jsonl.ts';
import { openAuditStore } from '../audit/open.ts';
import { buildInclusionProof, verifyProofBundle } from '../audit/proof.ts';
import { publicKeyFromPem, readSigningKey } from '../audit/signing-key.ts';
import { AUDIT_DB_FILE } from '../audit/sqlite-schema.ts';
import { verifyJsonlFile, verifyStore } from '../audit/verify.ts';
import { loadConfigFile } from '../config/load.ts';

export const AUDIT_USAGE = `Usage: rampart audit <command> [--config FILE] [options]

  verify [--file F] [--public-key PEM] [--checkpoint F] [--json]
        check the log of the config's state directory, or an exported JSONL file; names the first bad entry
  verify --proof F [--public-key PEM]
        check an inclusion proof offline
  proof ID [--out F]
        inclusion proof of one event (its id, or its sequence number) against a signed checkpoint
  export [--out F]
        the log as JSONL with its checkpoints and public key (stdout without --out)

  --public-key PEM   trust this Ed25519 public key instead of the one in the state directory or file
  --checkpoint F     a checkpoint kept outside the log (JSON); catches truncation even if the log's own are gone
`;

export async function auditCommand(args: string[], configPath: string | undefined): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const { positionals, values } = parsed;
  const [command, target] = positionals;
  if (values.help) {
    process.stdout.write(AUDIT_USAGE);
    return 0;
  }
  try {
    const config = values.config ?? configPath;
    switch (command) {
      case 'verify':
        if (values.proof) return verifyProof(values.proof, values['public-key']);
        return await verify(config, values);
      case 'proof':
        if (!target) return usage('rampart audit proof: give an event id or sequence number');
        return await proof(config, target, values.out);
      case 'export':
        return await exportCommand(config, values.out);
      default:
        return usage(command ? `unknown audit command "${command}"` : 'missing audit command');
    }
  } catch (err) {
    if (err instanceof AuditError) {
      process.stderr.write(`rampart audit: ${err.code}: ${err.message}\n`);
      return err.code === 'RAMPART_AUDIT_INCONSISTENT' ? 1 : 2;
    }
    throw err;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      file: { type: 'string' },
      out: { type: 'string', short: 'o' },
      proof: { type: 'string' },
      'public-key': { type: 'string' },
      checkpoint: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function usage(message: string): number {
  process.stderr.write(`rampart audit: ${message}\n${AUDIT_USAGE}`);
  return 2;
}

/** The state directory as `rampart serve` uses it: the config's, or the embedded demo's `.rampart`. */
function stateDirOf(configPath: string | undefined): string {
  return configPath ? loadConfigFile(configPath).stateDir : path.resolve('.rampart');
}

function openExisting(stateDir: string) {
  if (!existsSync(path.join(stateDir, AUDIT_DB_FILE))) {
    throw new AuditError('RAMPART_AUDIT_NOT_FOUND', `no audit log in ${stateDir}`);
  }
  return openAuditStore(stateDir);
}

function pinnedKey(file: string | undefined): string | undefined {
  return file === undefined ? undefined : readFileSync(file, 'utf8');
}

async function verify(configPath: string | undefined, values: Values): Promise<number> {
  const trustedCheckpoints = values.checkpoint ? [readCheckpoint(values.checkpoint)] : [];
  const pem = pinnedKey(values['public-key']);
  let report: VerifyReport;
  let what: string;
  if (values.file) {
    what = values.file;
    report = await verifyJsonlFile(values.file, { publicKeyPem: pem, trustedCheckpoints });
  } else {
    const stateDir = stateDirOf(configPath);
    const key = pem ? publicKeyFromPem(pem) : readSigningKey(stateDir);
    const store = openExisting(stateDir);
    what = store.file;
    try {
      report = await verifyStore(store, key, { trustedCheckpoints });
    } finally {
      await store.close();
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${describe(what, report)}\n`);
  return report.ok ? 0 : 1;
}

function describe(what: string, r: VerifyReport): string {
  if (r.problem) {
    const where = r.problem.line === undefined ? '' : ` (line ${r.problem.line})`;
    return `${what}: FAILED at entry ${r.problem.seq}${where}: ${r.problem.code}: ${r.problem.message}`;
  }
  const latest = r.latestCheckpoint
    ? `latest covers ${r.latestCheckpoint.size} entries, signed ${r.latestCheckpoint.time}`
    : 'none yet';
  return (
    `${what}: OK: ${r.verified} entries chained; ${r.checkpointsVerified} signed checkpoints match (${latest}); ` +
    `${r.unsealed} entries after the latest checkpoint; key ${r.keyId}`
  );
}

function readCheckpoint(file: string): SignedCheckpoint {
  const text = readFileSync(file, 'utf8').trim();
  const parsed = parseLine(text.startsWith('{') && !text.includes('"type"') ? addType(text) : text);
  if (parsed.kind !== 'checkpoint')
    throw new AuditError('RAMPART_AUDIT_BAD_INPUT', `${file} is not a checkpoint`);
  return parsed.checkpoint;
}

function addType(text: string): string {
  return `{"type":"checkpoint",${text.slice(1)}`;
}

function verifyProof(file: string, publicKeyFile: string | undefined): number {
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AuditError('RAMPART_AUDIT_BAD_INPUT', `${file}: ${String(err)}`);
  }
  const check = verifyProofBundle(bundle, pinnedKey(publicKeyFile));
  if (check.ok) {
    process.stdout.write(
      `${file}: OK: entry ${check.seq} is in the log of ${check.treeSize} entries signed by key ${check.keyId}\n`,
    );
    return 0;
  }
  process.stdout.write(`${file}: FAILED: ${check.code}: ${check.reason}\n`);
  return 1;
}

async function proof(
  configPath: string | undefined,
  target: string,
  out: string | undefined,
): Promise<number> {
  const stateDir = stateDirOf(configPath);
  const key = readSigningKey(stateDir);
  const store = openExisting(stateDir);
  try {
    const query = /^\d+$/.test(target) ? { seq: Number(target) } : { id: target };
    const bundle = await buildInclusionProof(store, key, query);
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    await writeOut(out, (stream) => stream.write(text));
    process.stderr.write(
      `proof of entry ${bundle.entry.seq} against the checkpoint of ${bundle.treeSize} entries (${bundle.checkpoint.time})\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function exportCommand(configPath: string | undefined, out: string | undefined): Promise<number> {
  const stateDir = stateDirOf(configPath);
  const key = readSigningKey(stateDir);
  const store = openExisting(stateDir);
  try {
    let result: Awaited<ReturnType<typeof exportLog>> | undefined;
    await writeOut(out, async (stream) => {
      result = await exportLog(store, key, checkpointSigner(key), stream);
    });
    const r = result!;
    process.stderr.write(
      `exported ${r.entries} entries and ${r.checkpoints} checkpoints${out ? ` to ${out}` : ''}` +
        `${r.sealed ? ` (sealed with a new checkpoint of ${r.sealed.size})` : ''}\n`,
    );
    if (!r.report.ok) process.stderr.write(`${describe('the exported log', r.report)}\n`);
    return r.report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** Runs `fn` against the output file (0600: the log says who called what) or stdout, and waits for the flush. */
async function writeOut(file: string | undefined, fn: (stream: Writable) => unknown): Promise<void> {
  if (!file) {
    await fn(process.stdout);
    return;
  }
  const stream = createWriteStream(file, { mode: 0o600 });
  try {
    await fn(stream);
  } finally {
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.end(resolve);
    });
  }
}
