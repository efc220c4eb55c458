// Rampart's log through the vault: every message and field has the values of live secrets replaced by
// `[REDACTED:NAME]` before the logger (which masks credential-named keys on its own) writes it.
import type { Logger } from '../monitor/logger.ts';

export interface Redacting {
  redact(text: string): string;
  redactDeep<T>(value: T): T;
}

/** A logger writing through `log` with exact-value redaction by `exposure`. */
export function scrubbingLogger(log: Logger, exposure: Redacting): Logger {
  const fieldsOf = (fields: Record<string, unknown> | undefined) => {
    if (!fields) return undefined;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      // An Error's message is not an own enumerable field: it is scanned as text.
      out[key] = value instanceof Error ? exposure.redact(String(value)) : exposure.redactDeep(value);
    }
    return out;
  };
  return {
    debug: (msg, fields) => log.debug(exposure.redact(msg), fieldsOf(fields)),
    info: (msg, fields) => log.info(exposure.redact(msg), fieldsOf(fields)),
    warn: (msg, fields) => log.warn(exposure.redact(msg), fieldsOf(fields)),
    error: (msg, fields) => log.error(exposure.redact(msg), fieldsOf(fields)),
    child: (bindings) => scrubbingLogger(log.child(fieldsOf(bindings) ?? {}), exposure),
  };
}
