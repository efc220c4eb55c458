// The gateway's side of change control: at start it records the config file and policy files it runs with as a
// version (or, under the two-person rule, refuses to start on content nobody else approved), and it judges and
// records every policy hot reload. File bytes go to rampart.db only, never to the log.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJsonLenient } from '../audit/canonical.ts';
import { parseConfigText } from '../config/load.ts';
import type { RampartConfig } from '../config/schema.ts';
import { RampartError } from '../errors.ts';
import type { PolicyProblem } from '../policy/policy-files.ts';
import { authorOf, osUser } from './author.ts';
import { pendingVersion, recordRunning, verdictFor } from './running.ts';
import { type Snapshot, snapshotOf } from './snapshot.ts';
import { type VersionRecord, VersionStore } from './version-store.ts';

export interface ChangeControlOptions {
  /** The configuration the gateway runs, as loaded from `configFile`. */
  readonly config: RampartConfig;
  /** The file `config` was loaded from; without it (embedded use) nothing is recorded. */
  readonly configFile: string | undefined;
  readonly stateDir: string;
  /** Who starts the gateway (else RAMPART_AUTHOR, else the OS user). */
  readonly author?: string | undefined;
  readonly now: () => number;
}

export class ChangeControl {
  private readonly options: ChangeControlOptions;
  private store: VersionStore | undefined;
  private configFile = '';
  private configBytes: Buffer = Buffer.alloc(0);

  constructor(options: ChangeControlOptions) {
    this.options = options;
  }

  /**
   * Records the files the gateway starts with (`policyFiles`: the policy bytes it loaded) and returns the active
   * version; undefined without a config file. Throws RAMPART_CHANGE_UNAPPROVED (naming the version to approve)
   * when the two-person rule refuses them, RAMPART_CHANGE_FILES_CHANGED when the config file no longer holds
   * the configuration that was loaded.
   */
  start(policyFiles: ReadonlyMap<string, Buffer> | undefined): VersionRecord | undefined {
    const { config, configFile } = this.options;
    if (configFile === undefined) {
      if (config.changeControl.twoPersonRule) {
        throw new RampartError(
          'RAMPART_CHANGE_UNAPPROVED',
          'the two-person rule needs the configuration file (start Rampart with --config FILE)',
        );
      }
      return undefined;
    }
    this.configFile = path.resolve(configFile);
    this.configBytes = this.readRunningConfig();
    const snapshot = snapshotOf(this.configFile, this.configBytes, policyFiles ?? new Map());
    const store = new VersionStore(this.options.stateDir);
    try {
      const input = { author: authorOf(this.options.author), now: this.options.now() };
      const outcome = store.transaction(() => {
        if (verdictFor(store, snapshot).allowed) {
          return { running: recordRunning(store, snapshot, { ...input, message: 'recorded at start' }) };
        }
        return {
          pending: pendingVersion(store, snapshot, { ...input, message: 'recorded at a refused start' }),
        };
      });
      if (outcome.pending) throw unapprovedStart(outcome.pending);
      this.store = store;
      return outcome.running;
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** For PolicyService's `accept`: a problem when the two-person rule refuses these policy files, else undefined. */
  acceptReload(policyFiles: ReadonlyMap<string, Buffer>): PolicyProblem | undefined {
    const store = this.store;
    if (!store) return undefined;
    const snapshot = this.snapshot(policyFiles);
    if (verdictFor(store, snapshot).allowed) return undefined;
    const waiting = store.newestWithDigest(snapshot.digest, ['proposed', 'approved']);
    return {
      file: this.configFile,
      line: 0,
      column: 0,
      policyId: undefined,
      message:
        `the two-person rule is on and these policy files are not an approved version (sha256 ` +
        `${snapshot.digest.slice(0, 12)}): ${
          waiting
            ? `version ${waiting.seq} has this content; someone other than ${waiting.author} approves it with \`rampart config approve ${waiting.seq} --approver NAME\``
            : 'record them with `rampart config propose` and have someone else approve that version'
        }`,
    };
  }

  /** Records an accepted hot reload (author `file-watch:<os user>`); the active version, or undefined. */
  recordReload(policyFiles: ReadonlyMap<string, Buffer>): VersionRecord | undefined {
    const store = this.store;
    if (!store) return undefined;
    return recordRunning(store, this.snapshot(policyFiles), {
      author: `file-watch:${osUser()}`,
      now: this.options.now(),
      message: 'recorded at policy reload',
    });
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }

  /** The running config file (as read at start) with these policy files. */
  private snapshot(policyFiles: ReadonlyMap<string, Buffer>): Snapshot {
    return snapshotOf(this.configFile, this.configBytes, policyFiles);
  }

  /** The config file's bytes, proven to be the configuration that was loaded (it may have changed since). */
  private readRunningConfig(): Buffer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.configFile);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new RampartError('RAMPART_CHANGE_FILE_UNREADABLE', `cannot read ${this.configFile} (${code})`);
    }
    let same = false;
    try {
      const reparsed = parseConfigText(bytes.toString('utf8'), this.configFile);
      same = canonicalJsonLenient(reparsed).text === canonicalJsonLenient(this.options.config).text;
    } catch {
      same = false;
    }
    if (!same) throw new RampartError('RAMPART_CHANGE_FILES_CHANGED');
    return bytes;
  }
}

function unapprovedStart(pending: VersionRecord): RampartError {
  return new RampartError(
    'RAMPART_CHANGE_UNAPPROVED',
    `the two-person rule is on and this configuration is version ${pending.seq}, which nobody but its author ` +
      `has approved (${pending.status}, sha256 ${pending.digest.slice(0, 12)}); someone other than ` +
      `${pending.author} approves it with \`rampart config approve ${pending.seq} --approver NAME\``,
    { version: pending.seq },
  );
}
