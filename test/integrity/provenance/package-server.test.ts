// `package` servers end to end: Rampart fetches the package from the (loopback) registry, verifies and caches it,
// runs its bin with this Node, and the server answers through Rampart. A package that fails keeps only its own
// server down, with its error code in the log; a cache entry modified later is not started again.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../../../src/errors.ts';
import { recheckCacheEntry, removeTree } from '../../../src/integrity/provenance/package-cache.ts';
import type { Upstream } from '../../../src/upstream/upstream.ts';
import { LegacyClient } from '../../helpers/mcp-client.ts';
import { startRampart } from '../../helpers/rampart.ts';
import {
  ECHO,
  FIXTURES,
  fixtureJson,
  integrityOf,
  type LoopbackRegistry,
  publishEcho,
  startLoopbackRegistry,
} from './loopback-registry.ts';

const PACKAGE = `npm:${ECHO.name}@${ECHO.version}`;

type LogLine = { msg: string; server?: string; code?: string; error?: string };

/** Resolves once `check` holds, polling the event loop (bounded). */
async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('package servers behind Rampart', () => {
  let registry: LoopbackRegistry;
  let pin: string;
  let cacheDir: string;
  before(async () => {
    registry = await startLoopbackRegistry();
    pin = integrityOf(await publishEcho(registry));
    cacheDir = mkdtempSync(path.join(tmpdir(), 'rampart-packages-'));
  });
  after(async () => {
    await registry.close();
    removeTree(cacheDir);
  });

  async function start(servers: unknown[], supplyChain: Record<string, unknown> = {}) {
    const logs: LogLine[] = [];
    const gw = await startRampart(
      {
        servers,
        supplyChain: {
          registries: [registry.url],
          registryKeys: path.join(FIXTURES, 'keys.json'),
          cacheDir,
          ...supplyChain,
        },
      },
      { wait: false, logSink: (line) => logs.push(JSON.parse(line) as LogLine) },
    );
    return {
      gw,
      logs,
      upstream: (name: string) => gw.rampart.gateway.upstreams.find((u) => u.name === name)!,
    };
  }

  it('runs a verified package from the cache and answers through Rampart, while a bad pin stays down', async () => {
    const isNumberPin = fixtureJson<{ versions: Record<string, { dist: { integrity: string } }> }>(
      'is-number',
      'packument.json',
    ).versions['7.0.0']!.dist.integrity;
    const { gw, logs, upstream } = await start([
      { name: 'echo', package: PACKAGE, packageIntegrity: pin },
      { name: 'broken', package: PACKAGE, packageIntegrity: isNumberPin },
    ]);
    try {
      await until(() => upstream('echo').status === 'ready', 'the echo server');
      await until(() => logs.some((l) => l.server === 'broken' && l.code !== undefined), 'the broken server');
      const failure = logs.find((l) => l.server === 'broken' && l.code !== undefined)!;
      assert.equal(failure.code, 'RAMPART_PACKAGE_INTEGRITY');
      assert.equal(upstream('broken').status, 'down');
      assert.equal(upstream('broken').packageProvenance, undefined);

      const client = new LegacyClient(gw.url);
      await client.initialize();
      const result = await client.result('tools/call', { name: 'echo__echo', arguments: { text: 'hello' } });
      const text = JSON.parse((result['content'] as Array<{ text: string }>)[0]!.text) as {
        text: string;
        from: string;
      };
      assert.equal(text.text, 'hello');
      const provenance = upstream('echo').packageProvenance!;
      assert.equal(text.from, path.join(cacheDir, provenance.tarballSha512, 'package', 'bin'));
      assert.equal(provenance.integrity, pin);
      assert.equal(provenance.registrySignature, 'absent');
      assert.equal(provenance.provenance, 'absent');
      assert.deepEqual(provenance.findings.map((f) => f.code).sort(), [
        'PACKAGE_PROVENANCE_ABSENT',
        'PACKAGE_SIGNATURE_ABSENT',
      ]);
      assert.ok(logs.some((l) => l.server === 'echo' && l.msg === 'package verified'));
      const cmdline = readFileSync(`/proc/${upstream('echo').pid}/cmdline`, 'utf8').split('\0');
      assert.deepEqual(cmdline.slice(0, 2), [process.execPath, path.join(text.from, 'echo-mcp.js')]);
    } finally {
      await gw.stop();
    }
  });

  it('does not restart a server whose cache entry was modified after it started', async () => {
    const { gw, upstream } = await start([
      {
        name: 'echo',
        package: PACKAGE,
        packageIntegrity: pin,
        restart: { initialDelayMs: 10, maxDelayMs: 20 },
      },
    ]);
    try {
      await until(() => upstream('echo').status === 'ready', 'the echo server');
      const echo: Upstream = upstream('echo');
      const entry = echo.preparedPackage!;
      chmodSync(entry.bin.file, 0o644);
      writeFileSync(entry.bin.file, `${readFileSync(entry.bin.file, 'utf8')}\n// changed\n`);
      assert.throws(
        () => recheckCacheEntry(entry),
        (err: unknown) => err instanceof RampartError && err.code === 'RAMPART_PACKAGE_CACHE_TAMPERED',
      );
      const restarts = echo.restarts;
      echo.killNow();
      await until(() => echo.restarts >= restarts + 3, 'restart attempts');
      assert.notEqual(echo.status, 'ready');
    } finally {
      await gw.stop();
      // Later tests start from a fresh entry.
      removeTree(cacheDir);
    }
  });

  it('keeps a package without provenance down when provenance is required', async () => {
    const { gw, logs, upstream } = await start([{ name: 'echo', package: PACKAGE, packageIntegrity: pin }], {
      requireProvenance: true,
    });
    try {
      await until(() => logs.some((l) => l.code !== undefined), 'the refusal');
      assert.equal(logs.find((l) => l.code !== undefined)?.code, 'RAMPART_PACKAGE_PROVENANCE_REQUIRED');
      assert.equal(upstream('echo').status, 'down');
    } finally {
      await gw.stop();
    }
  });
});
