// The degraded-mode spool: when the store refuses writes and the operator chose availability over failing
// closed, events are appended here (fsynced before they are acknowledged) and moved into the chain when the
// store is back. The first line names the spool's generation so a drain that committed but crashed before
// deleting the file is recognised and not replayed.
import { randomUUID } from 'node:crypto';
import { type FileHandle, open, readFile, rm, truncate } from 'node:fs/promises';

const FORMAT = 'rampart-audit-spool/1';

export class Spool {
  readonly file: string;
  readonly generation: string;
  private readonly handle: FileHandle;

  private constructor(file: string, generation: string, handle: FileHandle) {
    this.file = file;
    this.generation = generation;
    this.handle = handle;
  }

  /** Opens the spool for appending, creating it (with a new generation) if it does not exist. */
  static async open(file: string): Promise<Spool> {
    const existing = await Spool.read(file);
    if (existing) {
      // A crash mid-write leaves a torn last line that was never acknowledged; cut it so appends start clean.
      await truncate(file, existing.cleanLength);
      return new Spool(file, existing.generation, await open(file, 'a', 0o600));
    }
    const generation = randomUUID();
    const handle = await open(file, 'w', 0o600);
    await handle.write(`${JSON.stringify({ format: FORMAT, generation })}\n`);
    await handle.datasync();
    return new Spool(file, generation, handle);
  }

  /** The spooled events (canonical JSON, oldest first), or undefined when there is no spool file. */
  static async read(
    file: string,
  ): Promise<{ generation: string; events: string[]; cleanLength: number } | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const end = text.lastIndexOf('\n') + 1;
    // Created but the header never made it to disk: nothing was acknowledged from it.
    if (end === 0) return undefined;
    const lines = text.slice(0, end).split('\n');
    lines.pop();
    let header: { format?: unknown; generation?: unknown } = {};
    try {
      header = JSON.parse(lines[0] ?? '{}') as typeof header;
    } catch {
      // handled below
    }
    if (header.format !== FORMAT || typeof header.generation !== 'string') {
      throw new Error(`${file} is not an audit spool`);
    }
    return {
      generation: header.generation,
      events: lines.slice(1),
      cleanLength: Buffer.byteLength(text.slice(0, end)),
    };
  }

  /** Appends events and returns once they are on disk. */
  async append(eventsJson: readonly string[]): Promise<void> {
    await this.handle.write(`${eventsJson.join('\n')}\n`);
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  static async remove(file: string): Promise<void> {
    await rm(file, { force: true });
  }
}
