// The JSONL sink: a live copy of the log in the export format (jsonl.ts), which `rampart audit verify --file`
// checks on its own: a header with the public key, then entry lines as they are committed and checkpoint lines
// as they are signed (the verifier collects checkpoints wherever they are in the file).
//
// The file is append-only and only ever holds whole lines. Each time it is opened (at start, and after any
// write error) its end is inspected: a torn last line (a crash mid-write) is cut off, and the last entry's seq
// and hash say where to continue, so a restart neither repeats the header nor duplicates entries. If the file
// belongs to another chain (another key, or an entry that does not link to the file's last one) it is renamed
// aside and a new file begun, so that every file verifies. A file begun after the log already had entries lacks entries
// 1..n-1 and does not verify on its own; that is what `rampart audit export` is for.
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import type { JsonlSinkConfig } from '../../config/audit-sinks-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import { checkpointLine, entryLine, headerLine, parseLine } from '../jsonl.ts';
import { type DeliveryTuning, queuedForwarder, type SinkItem, type SinkTransport } from './delivery.ts';
import type { AuditForwarder, CommittedRecord, ForwarderDeps } from './forwarder.ts';

const CHUNK = 64 * 1024;
/** How far back the end of an existing file is searched for its last entry. */
const MAX_TAIL_SCAN = 64 * 1024 * 1024;

export function createJsonlSink(
  name: string,
  config: JsonlSinkConfig,
  deps: ForwarderDeps,
  tuning: Partial<DeliveryTuning> = {},
): AuditForwarder {
  const file = path.resolve(deps.baseDir, config.path);
  deps.log.info('audit sink ready', { file });
  return queuedForwarder(name, {
    log: deps.log,
    maxQueued: config.maxQueued,
    tuning: { maxBatch: 1024, ...tuning },
    transport: new JsonlFile(file, config.fsync, deps),
  });
}

const EMPTY: Tail = { seq: 0, hash: '', checkpoint: 0 };

interface Tail {
  /** Last entry in the file. */
  seq: number;
  hash: string;
  /** Largest checkpoint size in the file's tail. */
  checkpoint: number;
}

class JsonlFile implements SinkTransport {
  private readonly file: string;
  private readonly fsync: boolean;
  private readonly deps: ForwarderDeps;
  private readonly log: Logger;
  private fh: FileHandle | undefined;
  /** What the file ends with; valid while `fh` is open. */
  private tail: Tail = EMPTY;
  private gapWarnedAt = 0;

  constructor(file: string, fsync: boolean, deps: ForwarderDeps) {
    this.file = file;
    this.fsync = fsync;
    this.deps = deps;
    this.log = deps.log;
  }

  async send(batch: readonly SinkItem[]): Promise<void> {
    try {
      await this.append(batch);
    } catch (err) {
      // Reopening inspects the file again: whatever this failure left (a torn line) is cut before the retry.
      await this.closeHandle();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.closeHandle();
  }

  private async append(batch: readonly SinkItem[]): Promise<void> {
    let fh = await this.handle();
    let tail = this.tail;
    const lines: string[] = [];
    for (const item of batch) {
      if (item.kind === 'checkpoint') {
        if (item.checkpoint.size <= tail.checkpoint) continue;
        lines.push(checkpointLine(item.checkpoint));
        tail = { ...tail, checkpoint: item.checkpoint.size };
        continue;
      }
      const r = item.record;
      if (r.seq === tail.seq && r.hash === tail.hash) continue; // already written
      const continues =
        r.seq > tail.seq + 1 || (r.seq === tail.seq + 1 && (tail.seq === 0 || prevOf(r) === tail.hash));
      if (!continues) {
        // Another chain (the state directory was reset, or another gateway's log): a new file, so that each
        // file verifies on its own.
        await this.write(fh, lines);
        lines.length = 0;
        fh = await this.rotate(`entry ${r.seq} follows entry ${tail.seq}`);
        tail = this.tail;
      }
      if (r.seq > tail.seq + 1) this.warnGap(tail.seq, r.seq);
      lines.push(lineOf(r));
      tail = { seq: r.seq, hash: r.hash, checkpoint: tail.checkpoint };
    }
    await this.write(fh, lines);
    this.tail = tail;
  }

  private async write(fh: FileHandle, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await fh.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
    if (this.fsync) await fh.datasync();
  }

  private async handle(): Promise<FileHandle> {
    if (this.fh) return this.fh;
    await mkdir(path.dirname(this.file), { recursive: true });
    const fh = await open(this.file, 'a+', 0o600);
    try {
      const { size } = await fh.stat();
      const first = size > 0 ? await firstLine(fh, size) : { torn: true, keyId: undefined };
      if (!first.torn && first.keyId !== this.deps.keyId) {
        await fh.close();
        return await this.rotate(
          first.keyId === undefined ? 'it does not start with a header' : 'it was signed by another key',
        );
      }
      // A file holding only a torn header line (a crash during the very first write) is started afresh.
      const { goodSize, tail } = first.torn ? { goodSize: 0, tail: EMPTY } : await scanTail(fh, size);
      if (goodSize < size) {
        await fh.truncate(goodSize);
        this.log.warn('audit sink cut a torn line off the end of its file', { file: this.file });
      }
      if (goodSize === 0) await this.start(fh);
      this.fh = fh;
      this.tail = tail;
      return fh;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /** Writes the header of a new file and makes the file itself durable. */
  private async start(fh: FileHandle): Promise<void> {
    const header = headerLine({
      keyId: this.deps.keyId,
      publicKey: this.deps.publicKeyPem,
      exportedAt: new Date().toISOString(),
      entries: 0,
    });
    await this.write(fh, [header]);
    if (this.fsync) await syncDir(path.dirname(this.file));
  }

  /** Moves the current file aside (kept, never deleted) and begins a new one. */
  private async rotate(reason: string): Promise<FileHandle> {
    await this.closeHandle();
    const aside = `${this.file}.${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, aside);
    this.log.warn('audit sink began a new file: the old one belongs to another chain', {
      file: this.file,
      movedTo: aside,
      reason,
    });
    return this.handle();
  }

  private warnGap(last: number, next: number): void {
    const now = Date.now();
    if (now - this.gapWarnedAt < 60_000) return;
    this.gapWarnedAt = now;
    this.log.warn('audit sink file misses entries (dropped, or begun late); it will not verify past them', {
      file: this.file,
      missing: `${last + 1}..${next - 1}`,
    });
  }

  private async closeHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    this.tail = EMPTY;
    await fh?.close().catch(() => undefined);
  }
}

/** The `prev` hash inside a leaf, which always ends `,"prev":"<64 hex>","seq":<n>}`. */
function prevOf(r: CommittedRecord): string {
  const at = r.leaf.lastIndexOf(',"prev":"');
  return at < 0 ? '' : r.leaf.slice(at + 9, at + 9 + 64);
}

function lineOf(r: CommittedRecord): string {
  return entryLine({ seq: r.seq, id: r.id, leaf: r.leaf, hash: Buffer.from(r.hash, 'hex') });
}

/** The key id in the file's header line; `torn` when the file is one incomplete line. */
async function firstLine(
  fh: FileHandle,
  size: number,
): Promise<{ torn: boolean; keyId: string | undefined }> {
  const buf = Buffer.alloc(Math.min(CHUNK, size));
  const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
  const end = buf.subarray(0, bytesRead).indexOf(0x0a);
  if (end < 0) return { torn: bytesRead === size, keyId: undefined };
  const parsed = parseLine(buf.subarray(0, end).toString('utf8'));
  return { torn: false, keyId: parsed.kind === 'header' ? parsed.header.keyId : undefined };
}

/**
 * Reads the end of the file: the size up to its last newline (anything after it is a torn write), the last
 * entry's seq and hash, and the largest checkpoint written after that entry.
 */
async function scanTail(fh: FileHandle, size: number): Promise<{ goodSize: number; tail: Tail }> {
  const goodSize = await endOfLastLine(fh, size);
  let checkpoint = 0;
  for await (const text of linesBackwards(fh, goodSize)) {
    const parsed = parseLine(text);
    if (parsed.kind === 'checkpoint') checkpoint = Math.max(checkpoint, parsed.checkpoint.size);
    if (parsed.kind !== 'entry') continue;
    const { seq, hash } = parsed.value;
    if (typeof seq === 'number' && typeof hash === 'string')
      return { goodSize, tail: { seq, hash, checkpoint } };
  }
  return { goodSize, tail: { ...EMPTY, checkpoint } };
}

/** The offset just after the last newline (0 when there is none). */
async function endOfLastLine(fh: FileHandle, size: number): Promise<number> {
  for (let pos = size; pos > 0 && size - pos < MAX_TAIL_SCAN; ) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = Buffer.alloc(pos - start);
    await fh.read(chunk, 0, chunk.length, start);
    const nl = chunk.lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
    pos = start;
  }
  return 0;
}

/** Whole lines before `end` (which follows a newline), last first. */
async function* linesBackwards(fh: FileHandle, end: number): AsyncGenerator<string> {
  // `partial`: bytes of a line whose beginning lies before the part read so far (kept as bytes: a chunk boundary
  // may fall inside a character).
  let partial = Buffer.alloc(0);
  for (let pos = end; pos > 0 && end - pos < MAX_TAIL_SCAN; ) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = Buffer.alloc(pos - start);
    await fh.read(chunk, 0, chunk.length, start);
    let region = Buffer.concat([chunk, partial]);
    pos = start;
    if (pos > 0) {
      const first = region.indexOf(0x0a);
      if (first < 0) {
        partial = region;
        continue;
      }
      partial = region.subarray(0, first);
      region = region.subarray(first + 1);
    }
    const lines = region.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.trim() !== '') yield lines[i]!;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
