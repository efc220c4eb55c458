// The "client under test" for `conformance client --command ...`: Rampart itself, acting as the MCP client of
// the suite's mock server. Usage: node test/conformance/client-harness.ts URL (the suite appends URL and sets
// MCP_CONFORMANCE_SCENARIO, and for some auth/* scenarios MCP_CONFORMANCE_CONTEXT). Rampart runs in-process
// with the mock as its only upstream, authenticating to it as auth-config.ts configures; a raw downstream
// client then drives the scenario through Rampart. Exit 0 only when the scenario's flow completed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import type { LogLevel } from '../../src/monitor/logger.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import { Rampart } from '../../src/runtime.ts';
import { credentialsFor, headlessAuthorizer, readContext } from './auth-config.ts';
import { driveScenario } from './scenarios.ts';

// Below the suite's 30 s per-scenario timeout, so the harness always reports and cleans up itself.
const CONNECT_WAIT_MS = 10_000;
const HARD_LIMIT_MS = 25_000;

const log = (line: string) => process.stderr.write(`[harness] ${line}\n`);
let stateDir: string | undefined;
const removeState = () => {
  if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
};

async function main(): Promise<number> {
  const url = process.argv.at(-1);
  const scenario = process.env['MCP_CONFORMANCE_SCENARIO'] ?? '';
  if (url === undefined || !/^https?:\/\//.test(url)) {
    log('usage: client-harness.ts URL (with MCP_CONFORMANCE_SCENARIO set)');
    return 2;
  }
  log(`scenario ${scenario || '(unset)'} against ${url}`);
  // run.ts points this into its own temp dir, so a harness killed at a time limit leaves nothing elsewhere.
  stateDir = mkdtempSync(path.join(process.env['RAMPART_HARNESS_TMP'] ?? tmpdir(), 'rampart-harness-'));
  // auth/* scenarios: the upstream demands a credential, configured as an operator would (auth-config.ts).
  const credentials = credentialsFor(scenario, readContext(process.env['MCP_CONFORMANCE_CONTEXT']), stateDir);
  if (credentials) log(`upstream credentials: ${String(credentials['type'])}`);
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    stateDir,
    // Each scenario's server is new and trusted on first use (the quarantine has its own tests).
    integrity: { mode: 'tofu' },
    servers: [
      {
        name: 'conformance',
        url,
        namespace: '',
        // Diagnostics only (never set by run.ts): pin the era to see what lies behind a wrong era probe.
        era: process.env['RAMPART_HARNESS_ERA'] ?? 'auto',
        timeouts: { connectMs: CONNECT_WAIT_MS, requestMs: 20_000 },
        ...(credentials ? { credentials } : {}),
      },
    ],
    limits: { shutdownGraceMs: 1_000 },
    log: { level: (process.env['RAMPART_HARNESS_LOG'] as LogLevel | undefined) ?? 'debug' },
  });
  const rampart = new Rampart(config, {
    baseDir: stateDir,
    log: createLogger(config.log.level),
    credentials: { authorizer: headlessAuthorizer(log) },
  });
  try {
    const gatewayUrl = await rampart.start();
    if (!(await rampart.waitForUpstreams(CONNECT_WAIT_MS))) {
      const upstream = rampart.gateway.upstreams[0];
      log(`upstream did not connect within ${CONNECT_WAIT_MS} ms (status ${upstream?.status})`);
      return 1;
    }
    const upstream = rampart.gateway.upstreams[0];
    log(
      `upstream connected: era ${upstream?.era}, protocol ${upstream?.protocolVersion}; Rampart at ${gatewayUrl}`,
    );
    await driveScenario(scenario, gatewayUrl, log);
    log('scenario flow completed');
    return 0;
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await rampart.stop().catch((err: unknown) => log(`stop failed: ${String(err)}`));
    removeState();
  }
}

// A wedged shutdown must not outlive the suite's timeout: the suite would then record a timeout, not a verdict.
setTimeout(() => {
  log(`hard limit of ${HARD_LIMIT_MS} ms reached`);
  removeState();
  process.exit(1);
}, HARD_LIMIT_MS).unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
