// Text helpers shared by the commands that print tables of things clients, servers and policies named.
import { userInfo } from 'node:os';

/** Names and reasons came from clients, servers and policies: no terminal control sequences reach the screen. */
export function printable(cell: string): string {
  return cell.replace(/\p{Cc}/gu, '?');
}

/** A cell cut or padded to a column width. */
export function fit(cell: string, width: number): string {
  return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
}

/** 42s, 5m, 3h, 2d: coarse, for a table. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** The name of the user running the command (the default approver or author). */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers).
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}

/** Columns padded to their widest cell (at most 40); the last column is not padded, the terminal wraps it. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, i) => Math.min(40, Math.max(...cells.map((row) => row[i]?.length ?? 0))));
  return `${cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : fit(cell, widths[i] ?? 0))).join('  ')).join('\n')}\n`;
}
