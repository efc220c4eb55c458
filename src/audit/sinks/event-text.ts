// The event's JSON as the chain stored it. The leaf is `{"event":<event>,"prev":"<64 hex>","seq":<n>}`, so the
// event text is a slice of it: no second serialisation, and byte for byte what was hashed.
import type { CommittedRecord } from './forwarder.ts';

const PREFIX = '{"event":';

export function eventText(record: CommittedRecord): string {
  const end = record.leaf.lastIndexOf(',"prev":"');
  if (record.leaf.startsWith(PREFIX) && end > PREFIX.length) return record.leaf.slice(PREFIX.length, end);
  return JSON.stringify(record.event);
}
