// Rampart's operational log: one JSON object per line on stderr (stdout belongs to MCP in `rampart stdio`).
// Keys that can carry credentials are masked before anything is written.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_KEY = /authorization|cookie|token|secret|password|api[-_]?key|dpop/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

function mask(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SECRET_KEY.test(key) ? '[REDACTED]' : value;
  return out;
}

/** Creates a logger writing to `sink` (stderr by default) at or above `level`. */
export function createLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
  sink: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const threshold = RANK[level];
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < threshold) return;
    const record = {
      time: new Date().toISOString(),
      level: lvl,
      msg,
      ...bindings,
      ...(fields ? mask(fields) : {}),
    };
    sink(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (more) => createLogger(level, { ...bindings, ...mask(more) }, sink),
  };
}
