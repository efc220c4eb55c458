// Reads the state directory's audit log into a UsageTally, in one consistent snapshot. Only allowed and errored
// events and tool calls are parsed; the scan yields to the event loop now and then, since the gateway runs it too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseLeaf } from '../audit/chain.ts';
import { openAuditStore } from '../audit/open.ts';
import { AUDIT_DB_FILE } from '../audit/sqlite-schema.ts';
import { UsageTally, type UsageWindow } from './usage.ts';

// Canonical event JSON (RFC 8785, no whitespace) spells these exactly so: a cheap pre-filter before parsing.
const ALLOWED_MARK = '"decision":"allowed"';
const ERRORED_MARK = '"decision":"errored"';
const CALL_MARK = '"method":"tools/call"';
const YIELD_EVERY = 2000;

/** The usage recorded in `<stateDir>/audit.db`, or undefined when there is no audit log. */
export async function readUsage(stateDir: string, window: UsageWindow): Promise<UsageTally | undefined> {
  if (!existsSync(path.join(stateDir, AUDIT_DB_FILE))) return undefined;
  const tally = new UsageTally(window);
  const store = openAuditStore(stateDir);
  try {
    await store.read(async (reader) => {
      let seen = 0;
      for await (const entry of reader.entries()) {
        if (++seen % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const leaf = entry.leaf;
        if (!leaf.includes(ALLOWED_MARK) && !leaf.includes(ERRORED_MARK) && !leaf.includes(CALL_MARK))
          continue;
        const event = parseLeaf(entry.leaf)?.event;
        if (event) tally.add(event);
      }
      tally.events = seen;
    });
  } finally {
    await store.close();
  }
  return tally;
}
