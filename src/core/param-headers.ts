// `x-mcp-header` (2026-07-28 Streamable HTTP "Custom Headers from Tool Parameters"): a tool may mirror some of
// its arguments into `Mcp-Param-{Name}` headers. Rampart processes the body, so it must check that the headers
// it was sent agree with the arguments (intermediaries may route on them); it forwards them unchanged.
import { isObject, type JsonObject } from './jsonrpc.ts';
import { decodeHeaderValue } from './protocol.ts';

interface Mirrored {
  path: string[];
  header: string;
}

/** Parameters of an input schema annotated with x-mcp-header, reachable through `properties` chains only. */
export function mirroredParams(schema: unknown, path: string[] = []): Mirrored[] {
  if (!isObject(schema) || !isObject(schema['properties'])) return [];
  const found: Mirrored[] = [];
  for (const [key, child] of Object.entries(schema['properties'])) {
    if (!isObject(child)) continue;
    const header = child['x-mcp-header'];
    if (typeof header === 'string' && header.length > 0) found.push({ path: [...path, key], header });
    found.push(...mirroredParams(child, [...path, key]));
  }
  return found;
}

function valueAt(args: JsonObject | undefined, path: string[]): unknown {
  let current: unknown = args;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function headerForm(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** Describes the first disagreement between Mcp-Param-* headers (lower-case names) and the arguments, if any. */
export function paramHeaderMismatch(
  schema: unknown,
  args: JsonObject | undefined,
  headers: Readonly<Record<string, string>>,
): string | undefined {
  for (const { path, header } of mirroredParams(schema)) {
    const name = `mcp-param-${header.toLowerCase()}`;
    const raw = headers[name];
    const value = headerForm(valueAt(args, path));
    if (value === undefined) {
      if (raw !== undefined) return `Mcp-Param-${header} is present but the argument is not.`;
      continue;
    }
    if (raw === undefined) return `Mcp-Param-${header} header is required.`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `Mcp-Param-${header} has a malformed Base64 value.`;
    if (decoded !== value) return `Mcp-Param-${header} does not match the argument.`;
  }
  return undefined;
}
