// Starts Rampart the way an operator does (`rampart serve --config FILE`, port 0) in front of the conformance
// fixture over stdio, and waits until the fixture's tools are visible through it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { McpHttpClient } from './mcp-client.ts';
import { start, type Tracked } from './processes.ts';

export interface RampartChild {
  url: string;
  process: Tracked;
}

export interface RampartChildOptions {
  root: string;
  node: string;
  fixture: string;
  /** Scratch directory for this instance: config, state and log go here. */
  dir: string;
  timeoutMs: number;
}

const LISTENING = /Rampart is listening on (http:\/\/\S+)/;
/** A tool only the fixture has: seeing it proves the upstream is connected and namespaced as `""`. */
const FIXTURE_TOOL = 'test_simple_text';

export async function startRampart(options: RampartChildOptions): Promise<RampartChild> {
  const configPath = path.join(options.dir, 'rampart.yaml');
  // JSON is valid YAML; absolute paths keep the config independent of its directory.
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: path.join(options.dir, 'state'),
    servers: [
      {
        name: 'conformance',
        command: options.node,
        args: [options.fixture, '--transport', 'stdio', '--era', 'dual'],
        namespace: '',
        // Sandboxed, as a config file's stdio servers are; it starts in the repository (readable by the sandbox
        // user, unlike this private temporary directory).
        cwd: options.root,
      },
    ],
    limits: { shutdownGraceMs: 2_000 },
    log: { level: 'info' },
    // The suite's fixture server is ours: trusted on first use (the quarantine has its own tests).
    integrity: { mode: 'tofu' },
  };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  let stdout = '';
  let announce: (url: string) => void = () => undefined;
  const child = start(
    options.node,
    [path.join(options.root, 'src/cli/main.ts'), 'serve', '--config', configPath],
    {
      cwd: options.dir,
      logFile: path.join(options.dir, 'rampart.log'),
      onStdout: (text) => {
        stdout += text;
        const match = LISTENING.exec(stdout);
        if (match?.[1]) announce(match[1]);
      },
    },
  );
  const deadline = Date.now() + options.timeoutMs;
  try {
    // One promise settled by whichever comes first; later events are no-ops (no stray rejections).
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`rampart did not print its URL within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      announce = (found) => {
        clearTimeout(timer);
        resolve(found);
      };
      void child.exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`rampart exited with code ${code} before listening (see ${options.dir}/rampart.log)`),
        );
      });
    });
    await waitForFixture(url, deadline);
    return { url, process: child };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

async function waitForFixture(url: string, deadline: number): Promise<void> {
  let last = 'no attempt';
  while (Date.now() < deadline) {
    const client = new McpHttpClient(url, { timeoutMs: 5_000 });
    try {
      await client.initialize();
      const listed = await client.request('tools/list');
      const tools = Array.isArray(listed['tools']) ? (listed['tools'] as Array<{ name?: unknown }>) : [];
      if (tools.some((tool) => tool.name === FIXTURE_TOOL)) return;
      last = `tools/list has ${tools.length} tools, none named ${FIXTURE_TOOL}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    } finally {
      await client.close();
    }
    await sleep(250);
  }
  throw new Error(`the fixture never became visible through Rampart: ${last}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
