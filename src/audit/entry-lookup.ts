// Finding one entry by event id or sequence number (`rampart audit proof`, `rampart audit show`).
import { AuditError } from './audit-error.ts';
import { parseLeaf, type StoredEntry } from './chain.ts';
import type { AuditReader } from './store.ts';

export type EntryTarget = { readonly id: string } | { readonly seq: number };

/** The entry and its parsed leaf; RAMPART_AUDIT_NOT_FOUND when there is none (or its leaf names another id). */
export async function findEntry(
  reader: AuditReader,
  target: EntryTarget,
): Promise<{ entry: StoredEntry; leaf: NonNullable<ReturnType<typeof parseLeaf>> }> {
  const entry = 'id' in target ? await reader.entryById(target.id) : await reader.entryBySeq(target.seq);
  const leaf = entry && parseLeaf(entry.leaf);
  if (!entry || !leaf || ('id' in target && leaf.event['id'] !== target.id)) {
    throw new AuditError(
      'RAMPART_AUDIT_NOT_FOUND',
      `no audit event ${'id' in target ? target.id : target.seq}`,
    );
  }
  return { entry, leaf };
}
