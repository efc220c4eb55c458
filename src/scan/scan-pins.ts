// What the last scan saw, so the next one reports changes (a rug pull between scans). Kept in a JSON file of the
// user's (default ~/.rampart/scan-pins.json, mode 0600); a changed definition keeps its old hash until the user
// accepts the change (`--accept-changes`), so it is reported on every scan until then.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScanResult } from './assess.ts';

export interface ScanPins {
  readonly version: 1;
  /** `<config file>#<server name>` -> `kind:name` -> contract hash. */
  readonly servers: Record<string, Record<string, string>>;
}

export function scanPinKey(result: Pick<ScanResult, 'target'>): string {
  return `${result.target.file}#${result.target.name}`;
}

/** The pins file's content; an absent file is an empty record, a broken one an error naming it. */
export function readScanPins(file: string): ScanPins {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<ScanPins>;
  if (parsed.version !== 1 || typeof parsed.servers !== 'object' || parsed.servers === null) {
    throw new Error(`${file} is not a rampart scan pins file`);
  }
  return parsed as ScanPins;
}

/** The pins after this scan: new and unchanged definitions recorded; changed ones only when accepted. */
export function nextScanPins(
  previous: ScanPins,
  results: readonly ScanResult[],
  acceptChanges: boolean,
): ScanPins {
  const servers = { ...previous.servers };
  for (const r of results) {
    if (r.status !== 'ok') continue;
    const key = scanPinKey(r);
    const before = servers[key] ?? {};
    const next: Record<string, string> = {};
    for (const [item, hash] of Object.entries(r.pins)) {
      next[item] = acceptChanges || before[item] === undefined ? hash : (before[item] as string);
    }
    servers[key] = next;
  }
  return { version: 1, servers };
}

/** Writes the pins file atomically, readable by the user only. */
export function writeScanPins(file: string, pins: ScanPins): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(pins, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
