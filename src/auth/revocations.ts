// Revoked token ids and disabled subjects. Checked on every request, after the verified-token cache, so a
// revocation takes effect at once in this process; revocations written by another process (the CLI, another
// replica) are picked up from the store within `reloadMs`.
import type { SqliteStore } from '../store/sqlite-store.ts';

export class RevocationList {
  private readonly store: SqliteStore;
  private jtis = new Set<string>();
  private subjects = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(store: SqliteStore, reloadMs = 1_000) {
    this.store = store;
    this.reload();
    this.timer = setInterval(() => this.reload(), reloadMs);
    this.timer.unref();
  }

  static subjectKey(issuer: string, subject: string): string {
    return `${issuer} ${subject}`;
  }

  revokeToken(jti: string): void {
    this.store.revoke('jti', jti);
    this.jtis.add(jti);
  }

  disableSubject(issuer: string, subject: string): void {
    const key = RevocationList.subjectKey(issuer, subject);
    this.store.revoke('subject', key);
    this.subjects.add(key);
  }

  isTokenRevoked(jti: string | undefined): boolean {
    return jti !== undefined && this.jtis.has(jti);
  }

  isSubjectDisabled(issuer: string, subject: string): boolean {
    return this.subjects.has(RevocationList.subjectKey(issuer, subject));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private reload(): void {
    const jtis = new Set<string>();
    const subjects = new Set<string>();
    for (const row of this.store.revocations()) (row.kind === 'jti' ? jtis : subjects).add(row.value);
    this.jtis = jtis;
    this.subjects = subjects;
  }
}
