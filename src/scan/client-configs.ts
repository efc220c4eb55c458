// Where MCP clients keep their server lists, and how each spells a server. `rampart scan` reads these files
// (never writes them) to find what an agent on this machine can reach.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import { parseJsonc } from './jsonc.ts';

export type ClientName = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode' | 'windsurf' | 'zed' | 'file';

export interface StdioTarget {
  readonly kind: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
}

export interface HttpTarget {
  readonly kind: 'http';
  readonly url: string;
  readonly transport: 'streamable-http' | 'sse';
}

/** One server as a client configures it. */
export type ScanTarget = (StdioTarget | HttpTarget) & {
  readonly client: ClientName;
  readonly file: string;
  readonly name: string;
};

export interface ConfigFile {
  readonly client: ClientName;
  readonly file: string;
}

/** The configuration files of the known clients under `home` (and the project files under `cwd`) that exist. */
export function knownConfigFiles(
  home: string,
  cwd: string,
  platform: NodeJS.Platform = process.platform,
): ConfigFile[] {
  const appData =
    platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : platform === 'win32'
        ? path.join(home, 'AppData', 'Roaming')
        : path.join(home, '.config');
  const candidates: ConfigFile[] = [
    { client: 'claude-desktop', file: path.join(appData, 'Claude', 'claude_desktop_config.json') },
    { client: 'claude-code', file: path.join(home, '.claude.json') },
    { client: 'claude-code', file: path.join(cwd, '.mcp.json') },
    { client: 'cursor', file: path.join(home, '.cursor', 'mcp.json') },
    { client: 'cursor', file: path.join(cwd, '.cursor', 'mcp.json') },
    { client: 'vscode', file: path.join(appData, 'Code', 'User', 'settings.json') },
    { client: 'vscode', file: path.join(appData, 'Code', 'User', 'mcp.json') },
    { client: 'vscode', file: path.join(cwd, '.vscode', 'mcp.json') },
    { client: 'windsurf', file: path.join(home, '.codeium', 'windsurf', 'mcp_config.json') },
    { client: 'zed', file: path.join(home, '.config', 'zed', 'settings.json') },
  ];
  return candidates.filter((c) => existsSync(c.file));
}

/** The servers a client's file configures; throws with the file name when it is not JSON (or JSON with comments). */
export function readClientConfig(config: ConfigFile): ScanTarget[] {
  let root: unknown;
  try {
    root = parseJsonc(readFileSync(config.file, 'utf8'));
  } catch (err) {
    throw new Error(`${config.file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return serversOf(root).flatMap(([name, entry]) => {
    const target = targetOf(entry, path.dirname(config.file));
    return target ? [{ ...target, client: config.client, file: config.file, name }] : [];
  });
}

/** Every `name -> entry` map a file may hold, whichever client wrote it. */
function serversOf(root: unknown): [string, JsonObject][] {
  if (!isObject(root)) return [];
  const maps: unknown[] = [
    root['mcpServers'], // Claude Desktop, Claude Code, Cursor, Windsurf
    root['servers'], // VS Code mcp.json
    root['context_servers'], // Zed
    isObject(root['mcp']) ? root['mcp']['servers'] : undefined, // VS Code settings.json
  ];
  // Claude Code keeps per-project servers under projects.<path>.mcpServers.
  if (isObject(root['projects'])) {
    for (const project of Object.values(root['projects']))
      if (isObject(project)) maps.push(project['mcpServers']);
  }
  const out: [string, JsonObject][] = [];
  for (const map of maps) {
    if (!isObject(map)) continue;
    for (const [name, entry] of Object.entries(map)) if (isObject(entry)) out.push([name, entry]);
  }
  return out;
}

function targetOf(entry: JsonObject, dir: string): StdioTarget | HttpTarget | undefined {
  const url = entry['url'] ?? entry['serverUrl'];
  if (typeof url === 'string') {
    const sse = entry['type'] === 'sse' || entry['transport'] === 'sse';
    return { kind: 'http', url, transport: sse ? 'sse' : 'streamable-http' };
  }
  // Zed's older form: command: {path, args, env}.
  const command = isObject(entry['command']) ? entry['command'] : entry;
  const program = command === entry ? entry['command'] : command['path'];
  if (typeof program !== 'string' || program === '') return undefined;
  const args = Array.isArray(command['args']) ? command['args'].filter((a) => typeof a === 'string') : [];
  const env: Record<string, string> = {};
  if (isObject(command['env'])) {
    for (const [k, v] of Object.entries(command['env'])) if (typeof v === 'string') env[k] = v;
  }
  const cwd = typeof entry['cwd'] === 'string' ? path.resolve(dir, entry['cwd']) : undefined;
  return { kind: 'stdio', command: program, args, env, cwd };
}
