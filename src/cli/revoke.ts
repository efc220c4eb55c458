// `rampart revoke`: refuse a token id or every token of a subject from now on. Writes to the state store; a
// running Rampart on the same state directory picks it up within a second.
import path from 'node:path';
import { RevocationList } from '../auth/revocations.ts';
import { loadConfigFile } from '../config/load.ts';
import { SqliteStore } from '../store/sqlite-store.ts';

export function revoke(
  configPath: string,
  options: { jti?: string | undefined; issuer?: string | undefined; subject?: string | undefined },
): number {
  const config = loadConfigFile(configPath);
  const store = new SqliteStore(path.resolve(path.dirname(path.resolve(configPath)), config.stateDir));
  try {
    if (options.jti) {
      store.revoke('jti', options.jti);
      process.stdout.write(`revoked token ${options.jti}\n`);
      return 0;
    }
    if (options.issuer && options.subject) {
      store.revoke('subject', RevocationList.subjectKey(options.issuer, options.subject));
      process.stdout.write(`disabled subject ${options.subject} of ${options.issuer}\n`);
      return 0;
    }
    process.stderr.write('rampart revoke: give --jti ID, or --issuer URL --subject SUB\n');
    return 2;
  } finally {
    store.close();
  }
}
