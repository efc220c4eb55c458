// Every event of a state directory's audit log, in order, read through the audit store (the way `rampart audit`
// reads it). Tests type the fields they look at.
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';

export async function auditEvents<T = Record<string, unknown>>(stateDir: string): Promise<T[]> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const events: T[] = [];
      for await (const entry of reader.entries()) events.push(parseLeaf(entry.leaf)!.event as unknown as T);
      return events;
    });
  } finally {
    await store.close();
  }
}
