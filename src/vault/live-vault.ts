// The vault as a running gateway holds it: the decrypted live versions in memory, one exposure matcher over them,
// and the current value of each secret for `${vault:NAME}` references. It re-reads the vault when `rampart secrets`
// changed it (polling the store's revision every `vault.pollMs`) and when a rotated-out version's retention ends,
// so a rotation reaches the next upstream request without a restart and without a failed call.
import type { VaultConfig } from '../config/vault-schema.ts';
import { RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import type { SecretKind } from './envelope.ts';
import { type Exposure, ExposureMatcher } from './exposure.ts';
import { openKeyWrapper } from './master-key.ts';
import type { VaultReference } from './references.ts';
import { Vault } from './vault.ts';
import { VaultStore } from './vault-store.ts';

export interface LiveVaultOptions {
  readonly config: VaultConfig;
  readonly stateDir: string;
  /** Anchors a relative master key file or plug-in path (the config file's directory). */
  readonly baseDir: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Names whose current value changed after a reload (not called for the first load). */
  readonly onChange?: (names: ReadonlySet<string>) => void;
}

export class LiveVault {
  private readonly options: LiveVaultOptions;
  private readonly now: () => number;
  private vault: Vault | undefined;
  private matcher = new ExposureMatcher([]);
  private current = new Map<string, { kind: SecretKind; value: string; version: number }>();
  private revision = -1;
  private nextExpiry = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;

  constructor(options: LiveVaultOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** True once a vault is open (there is one in the state directory, or the config refers to one). */
  get active(): boolean {
    return this.vault !== undefined;
  }

  /**
   * Opens the vault when there is one or the config refers to it, and checks every reference: an unknown name
   * (RAMPART_VAULT_SECRET_UNKNOWN) or a canary used as a credential (RAMPART_VAULT_SECRET_INVALID) stops the start.
   * A vault that exists but cannot be opened stops it too (RAMPART_VAULT_LOCKED): serving without its canaries and
   * redaction would fail open.
   */
  async open(references: readonly VaultReference[]): Promise<void> {
    const { config, stateDir, baseDir } = this.options;
    if (!VaultStore.exists(stateDir) && references.length === 0) return;
    const wrapper = await openKeyWrapper(config.masterKey, baseDir);
    this.vault = Vault.open(stateDir, wrapper, this.now);
    await this.reload();
    for (const ref of references) {
      const entry = this.current.get(ref.name);
      if (!entry) {
        throw new RampartError(
          'RAMPART_VAULT_SECRET_UNKNOWN',
          `${ref.path}: no vault secret named ${ref.name} (add it with: rampart secrets set ${ref.name})`,
        );
      }
      if (entry.kind === 'canary') {
        throw new RampartError(
          'RAMPART_VAULT_SECRET_INVALID',
          `${ref.path}: ${ref.name} is a canary; a canary is bait and is never sent anywhere`,
        );
      }
    }
    this.options.log.info('vault opened', {
      secrets: [...this.current.values()].filter((e) => e.kind === 'secret').length,
      canaries: [...this.current.values()].filter((e) => e.kind === 'canary').length,
    });
  }

  /** Starts polling for changes made by other processes. */
  watch(): void {
    if (!this.vault || this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.config.pollMs);
    this.timer.unref();
  }

  /** Re-reads the vault if it changed or a retention ended; keeps the previous state when it cannot. */
  async refresh(): Promise<void> {
    const vault = this.vault;
    if (!vault || this.reloading) return this.reloading;
    if (vault.revision() === this.revision && this.now() < this.nextExpiry) return;
    this.reloading = this.reload()
      .catch((err: unknown) => {
        // The code and message name keys and records, never values.
        const error = err instanceof RampartError ? `${err.code}: ${err.message}` : 'unexpected error';
        this.options.log.error('vault reload failed; the previous secrets stay in force', { error });
      })
      .finally(() => {
        this.reloading = undefined;
      });
    return this.reloading;
  }

  /** The current value of secret `name` (what a `${vault:NAME}` reference resolves to). */
  value(name: string): string {
    const entry = this.current.get(name);
    if (entry?.kind !== 'secret') {
      throw new RampartError('RAMPART_VAULT_SECRET_UNKNOWN', `no vault secret named ${name}`);
    }
    return entry.value;
  }

  redact(text: string): string {
    return this.matcher.redact(text);
  }

  redactDeep<T>(value: T): T {
    return this.matcher.redactDeep(value);
  }

  findDeep(value: unknown): Exposure {
    return this.matcher.findDeep(value);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.vault?.close();
    this.vault = undefined;
  }

  private async reload(): Promise<void> {
    const vault = this.vault;
    if (!vault) return;
    const revision = vault.revision();
    const live = await vault.live(this.options.config.retainPreviousMs);
    const next = new Map<string, { kind: SecretKind; value: string; version: number }>();
    let nextExpiry = Number.POSITIVE_INFINITY;
    for (const s of live) {
      if (s.current) next.set(s.name, { kind: s.kind, value: s.value, version: s.version });
      if (s.expiresAt !== undefined) nextExpiry = Math.min(nextExpiry, s.expiresAt);
    }
    const changed = new Set<string>();
    if (this.revision >= 0) {
      for (const [name, entry] of next)
        if (this.current.get(name)?.version !== entry.version) changed.add(name);
      for (const name of this.current.keys()) if (!next.has(name)) changed.add(name);
    }
    this.matcher = new ExposureMatcher(live);
    this.current = next;
    this.nextExpiry = nextExpiry;
    this.revision = revision;
    if (changed.size > 0) this.options.onChange?.(changed);
  }
}
