// The fixture's config as a review gets it. A server entry's `manifest` is being added to the config schema by
// the signed-manifest work: until the schema has it, the entry is parsed without it and the key put back as the
// schema would leave it, so the review sees the same server either way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { parseConfigText } from '../../src/config/load.ts';
import type { RampartConfig } from '../../src/config/schema.ts';
import type { Fixture } from './fixture.ts';

/** The fixture's config, loaded and path-resolved like `loadConfigFile` does. */
export function fixtureConfig(fixture: Pick<Fixture, 'configPath'>): RampartConfig {
  const text = readFileSync(fixture.configPath, 'utf8');
  const doc = parseDocument(text);
  const manifests = new Map<string, unknown>();
  const servers = doc.toJS().servers as Record<string, unknown>[];
  servers.forEach((server, i) => {
    if (server['manifest'] === undefined) return;
    manifests.set(server['name'] as string, server['manifest']);
    doc.deleteIn(['servers', i, 'manifest']);
  });
  const config = parseConfigText(String(doc), fixture.configPath);
  return {
    ...config,
    servers: config.servers.map((s) =>
      manifests.has(s.name) ? Object.assign({}, s, { manifest: manifests.get(s.name) }) : s,
    ),
  };
}

export function configDirOf(fixture: Pick<Fixture, 'configPath'>): string {
  return path.dirname(fixture.configPath);
}
