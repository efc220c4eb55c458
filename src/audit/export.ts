// `rampart audit export`: the log as JSONL (format in jsonl.ts) with every checkpoint and the public key. The
// snapshot is verified while it is read, and only a log that verifies is sealed with a fresh checkpoint over
// all of it: sealing a tampered tail would lend it a signature.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ChainVerifier, type VerifyReport } from './chain-verifier.ts';
import type { CheckpointSigner, SignedCheckpoint } from './checkpoint.ts';
import { checkpointLine, entryLine, headerLine } from './jsonl.ts';
import type { AuditStore } from './store.ts';
import type { TrustedKey } from './verify.ts';
import { recordFromStored } from './verify.ts';

export interface ExportResult {
  readonly report: VerifyReport;
  readonly entries: number;
  readonly checkpoints: number;
  /** The checkpoint signed for this export, if the log verified and had unsealed entries. */
  readonly sealed: SignedCheckpoint | undefined;
}

export async function exportLog(
  store: AuditStore,
  key: TrustedKey & { readonly publicKeyPem: string },
  signer: CheckpointSigner | undefined,
  out: Writable,
  now: () => number = Date.now,
): Promise<ExportResult> {
  const result = await store.read(async (reader) => {
    const checkpoints = await reader.checkpoints();
    const verifier = new ChainVerifier(checkpoints, key.publicKey, key.keyId);
    for await (const entry of reader.entries()) verifier.add(recordFromStored(entry));
    const report = verifier.finish();
    const latest = checkpoints.at(-1)?.size ?? 0;
    const sealed =
      report.ok && signer && report.verified > latest
        ? signer.sign({
            size: report.verified,
            root: verifier.rootHex(),
            time: new Date(now()).toISOString(),
          })
        : undefined;
    const all = sealed ? [...checkpoints, sealed] : checkpoints;
    await write(
      out,
      headerLine({
        keyId: key.keyId,
        publicKey: key.publicKeyPem,
        exportedAt: new Date(now()).toISOString(),
        entries: report.entries,
      }),
    );
    for (const cp of all) await write(out, checkpointLine(cp));
    for await (const entry of reader.entries()) await write(out, entryLine(entry));
    return { report, entries: report.entries, checkpoints: all.length, sealed };
  });
  // Kept in the store too (after the read snapshot ends), so the next verify of the store also covers it.
  if (result.sealed) await store.addCheckpoint(result.sealed);
  return result;
}

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}
