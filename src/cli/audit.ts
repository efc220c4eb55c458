// `rampart audit`: verify the tamper-evident log (the state directory's store, or an exported file), print an
// inclusion proof for one event, export the log as JSONL, show one event with its payloads, erase a subject's
// payloads, purge old payloads. Exit codes: 0 fine, 1 the log, a proof or a payload does not verify, 2 usage or
// input problems (a legal hold refusing an erasure included).
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { AuditError } from '../audit/audit-error.ts';
import type { VerifyReport } from '../audit/chain-verifier.ts';
import { checkpointSigner, type SignedCheckpoint } from '../audit/checkpoint.ts';
import { exportLog } from '../audit/export.ts';
import { parseLine } from '../audit/jsonl.ts';
import { eraseSubject, openAuditStore } from '../audit/open.ts';
import type { AuditPrivacyOptions } from '../audit/privacy/holds.ts';
import { MASTER_KEY_FILE, readMasterKey } from '../audit/privacy/master-key.ts';
import { purgePayloads } from '../audit/privacy/retention.ts';
import { type ShownEvent, showEvent } from '../audit/privacy/show.ts';
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
  show ID [--json]
        one event (id or sequence number) with its payloads decrypted and checked against the event's commitment
  erase (--issuer ISS --subject SUB | --anonymous) [--reason TEXT] [--override-hold]
        destroy a subject's payload keys (GDPR art. 17): their payloads become unreadable, the log still verifies;
        recorded as a subject_erased event. Works while the gateway runs
  purge [--older-than-days N] [--dry-run]
        delete payloads older than audit.privacy.retentionDays (or N), except those under legal hold

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
      case 'show':
        if (!target) return usage('rampart audit show: give an event id or sequence number');
        return await show(config, target, values.json);
      case 'erase':
        return await erase(config, values);
      case 'purge':
        return await purge(config, values);
      default:
        return usage(command ? `unknown audit command "${command}"` : 'missing audit command');
    }
  } catch (err) {
    if (err instanceof AuditError) {
      process.stderr.write(`rampart audit: ${err.code}: ${err.message}\n`);
      return err.code === 'RAMPART_AUDIT_INCONSISTENT' ? 1 : 2;
    }
    if (err instanceof TypeError) return usage(err.message);
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
      issuer: { type: 'string' },
      subject: { type: 'string' },
      anonymous: { type: 'boolean', default: false },
      reason: { type: 'string' },
      'override-hold': { type: 'boolean', default: false },
      'older-than-days': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
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

/** The state directory and `audit.privacy` (retention, legal holds) of the config. */
function privacyOf(configPath: string | undefined): { stateDir: string; privacy: AuditPrivacyOptions } {
  if (!configPath) return { stateDir: path.resolve('.rampart'), privacy: {} };
  const config = loadConfigFile(configPath);
  // Read structurally: the `audit.privacy` section is privacy/holds.ts's auditPrivacySchema.
  const privacy = (config as { audit?: { privacy?: AuditPrivacyOptions } }).audit?.privacy ?? {};
  return { stateDir: config.stateDir, privacy };
}

function requireLog(stateDir: string): void {
  if (!existsSync(path.join(stateDir, AUDIT_DB_FILE))) {
    throw new AuditError('RAMPART_AUDIT_NOT_FOUND', `no audit log in ${stateDir}`);
  }
}

function openExisting(stateDir: string) {
  requireLog(stateDir);
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

async function show(configPath: string | undefined, target: string, json: boolean): Promise<number> {
  const stateDir = stateDirOf(configPath);
  const store = openExisting(stateDir);
  let shown: ShownEvent;
  try {
    const master = existsSync(path.join(stateDir, MASTER_KEY_FILE)) ? readMasterKey(stateDir) : undefined;
    shown = await showEvent(store, master, /^\d+$/.test(target) ? { seq: Number(target) } : { id: target });
  } finally {
    await store.close();
  }
  process.stdout.write(
    `${JSON.stringify(json ? shown : { ...shown.event, payloads: shown.payloads }, null, 2)}\n`,
  );
  if (!shown.hashOk)
    process.stderr.write(`entry ${shown.seq} does not match its hash; run rampart audit verify\n`);
  for (const [field, p] of Object.entries(shown.payloads)) {
    if (p.status === 'tampered' || p.status === 'missing') {
      process.stderr.write(`${field}: ${p.status === 'tampered' ? 'TAMPERED' : 'MISSING'}: ${p.message}\n`);
    }
  }
  return shown.ok ? 0 : 1;
}

async function erase(configPath: string | undefined, values: Values): Promise<number> {
  const anonymous = values.anonymous === true;
  if (anonymous === (values.subject !== undefined || values.issuer !== undefined)) {
    return usage('rampart audit erase: give --issuer and --subject, or --anonymous');
  }
  if (!anonymous && (!values.issuer || !values.subject)) {
    return usage('rampart audit erase: give both --issuer and --subject');
  }
  const { stateDir, privacy } = privacyOf(configPath);
  requireLog(stateDir);
  const report = await eraseSubject(
    stateDir,
    anonymous ? { anonymous: true } : { issuer: values.issuer!, subject: values.subject! },
    { reason: values.reason, overrideHold: values['override-hold'], holds: privacy.holds },
  );
  process.stdout.write(
    `erased subject ${report.subjectRef}: ${report.keys.length} keys destroyed, ${report.payloads} payloads deleted` +
      `${report.overrideHold ? ' (legal hold overridden)' : ''}; recorded as event ${report.receipt.id}\n`,
  );
  if (!report.walTruncated) {
    process.stderr.write(
      'warning: a reader kept the write-ahead log from being truncated; old page images remain in audit.db-wal ' +
        'until the next checkpoint\n',
    );
  }
  return 0;
}

async function purge(configPath: string | undefined, values: Values): Promise<number> {
  const { stateDir, privacy } = privacyOf(configPath);
  const flag = values['older-than-days'];
  const olderThanDays = flag === undefined ? privacy.retentionDays : Number(flag);
  if (olderThanDays === undefined) {
    return usage(
      'rampart audit purge: no audit.privacy.retentionDays in the config; give --older-than-days N',
    );
  }
  if (!Number.isFinite(olderThanDays) || olderThanDays < 0) {
    return usage('rampart audit purge: --older-than-days takes a number of days');
  }
  requireLog(stateDir);
  if (!existsSync(path.join(stateDir, MASTER_KEY_FILE))) {
    process.stdout.write('no payloads are stored (no payload master key)\n');
    return 0;
  }
  const store = openAuditStore(stateDir);
  try {
    const report = await purgePayloads(store, readMasterKey(stateDir), {
      olderThanDays,
      holds: privacy.holds,
      dryRun: values['dry-run'],
    });
    process.stdout.write(
      `${report.dryRun ? 'would purge' : 'purged'} ${report.purged} payloads of events before ${report.cutoff}; ` +
        `${report.held} kept under legal hold\n`,
    );
    return 0;
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
