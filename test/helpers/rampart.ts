// Starts Rampart in-process on a free loopback port with a temporary state directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import type { RequestEvent } from '../../src/guards/pipeline.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import type { ApprovalClock } from '../../src/policy/approvals/approval-broker.ts';
import { Rampart } from '../../src/runtime.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const NODE = process.execPath;
export const FIXTURE = path.join(REPO, 'test/fixtures/conformance-server/main.ts');

export interface Started {
  rampart: Rampart;
  url: string;
  events: RequestEvent[];
  stop(): Promise<void>;
}

/** Starts Rampart with the given (partial) config; waits until every upstream is connected (unless `wait: false`). */
export async function startRampart(
  partial: Record<string, unknown>,
  options: {
    waitMs?: number;
    /** false: return once listening, without waiting for the upstreams (to test an upstream that cannot connect). */
    wait?: boolean;
    logSink?: (line: string) => void;
    now?: () => number;
    approvalClock?: ApprovalClock;
  } = {},
): Promise<Started> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'rampart-test-'));
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    stateDir,
    log: { level: 'silent' },
    // Tests of other behaviour trust their fixture servers on first use; integrity tests set the mode they test.
    integrity: { mode: 'tofu' },
    ...partial,
    servers: unconfinedByDefault(partial['servers']),
  });
  const events: RequestEvent[] = [];
  const rampart = new Rampart(config, {
    baseDir: REPO,
    log: options.logSink
      ? createLogger('info', {}, options.logSink)
      : createLogger(process.env['RAMPART_TEST_LOG'] === '1' ? 'debug' : 'silent'),
    onEvent: (event) => events.push(event),
    ...(options.now ? { now: options.now } : {}),
    ...(options.approvalClock ? { approvalClock: options.approvalClock } : {}),
  });
  const url = await rampart.start();
  const ready = options.wait === false || (await rampart.waitForUpstreams(options.waitMs ?? 20_000));
  if (!ready) {
    await rampart.stop();
    throw new Error('upstreams did not connect');
  }
  return {
    rampart,
    url,
    events,
    stop: async () => {
      await rampart.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Tests of other behaviour run their stdio fixtures unconfined, saying so with an explicit `sandbox: off` (the
 * product default is confinement); the sandbox tests set what they test.
 */
function unconfinedByDefault(servers: unknown): unknown {
  if (!Array.isArray(servers)) return servers;
  return servers.map((server: Record<string, unknown>) =>
    ('command' in server || 'package' in server) && !('sandbox' in server)
      ? { ...server, sandbox: 'off' }
      : server,
  );
}

/** A stdio upstream entry running the project's conformance fixture. */
export function fixtureServer(
  name: string,
  era: 'legacy' | 'modern' | 'dual' = 'legacy',
  extra: Record<string, unknown> = {},
) {
  return { name, command: NODE, args: [FIXTURE, '--transport', 'stdio', '--era', era], ...extra };
}
