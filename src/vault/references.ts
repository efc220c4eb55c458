// `${vault:NAME}` references in the config: allowed in a stdio server's `env` values and an HTTP server's `headers`
// values, alone or inside a longer value (`Bearer ${vault:GITHUB_TOKEN}`); and `{ vault: NAME }` secret references
// in an HTTP server's `credentials`. They are resolved in Rampart's process only, at the moment a child is spawned
// or a request (or token request) is sent, so the client never sees them and a rotation reaches the next request;
// the config (and its digest, its recorded versions) keeps the reference, never the value.
import type { RampartConfig, ServerConfig } from '../config/schema.ts';
import { RampartError } from '../errors.ts';
import { SECRET_NAME } from './vault.ts';

const REFERENCE = /\$\{vault:([^}]*)\}/g;

export interface VaultReference {
  /** The config key, e.g. `servers[1].headers.authorization`. */
  readonly path: string;
  readonly name: string;
}

/** Every reference in the config; a malformed one (`${vault:}`, a bad name) is an error naming its key. */
export function vaultReferences(config: RampartConfig): VaultReference[] {
  const refs: VaultReference[] = [];
  config.servers.forEach((server, i) => {
    for (const [field, values] of referencingFields(server)) {
      for (const [key, value] of Object.entries(values)) {
        for (const name of namesIn(value)) {
          const path = `servers[${i}].${field}.${key}`;
          if (!SECRET_NAME.test(name)) {
            throw new RampartError(
              'RAMPART_VAULT_SECRET_INVALID',
              `${path}: "\${vault:${name}}" is not a secret name`,
            );
          }
          refs.push({ path, name });
        }
      }
    }
    if ('credentials' in server && server.credentials) {
      for (const [key, name] of credentialReferences(server.credentials, `servers[${i}].credentials`)) {
        if (!SECRET_NAME.test(name)) {
          throw new RampartError('RAMPART_VAULT_SECRET_INVALID', `${key}: "${name}" is not a secret name`);
        }
        refs.push({ path: key, name });
      }
    }
  });
  return refs;
}

/** The secrets a stdio server's `env` refers to (a change to one of them rolls its child over). */
export function envSecretNames(server: ServerConfig): Set<string> {
  const names = new Set<string>();
  if ('env' in server && server.env)
    for (const value of Object.values(server.env)) for (const n of namesIn(value)) names.add(n);
  return names;
}

/** `[config key, name]` of every `{ vault: NAME }` secret reference in a credential config, at any depth. */
function credentialReferences(value: unknown, at: string): Array<[string, string]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'vault' && typeof entries[0]![1] === 'string') {
    return [[at, entries[0]![1]]];
  }
  return entries.flatMap(([key, item]) => credentialReferences(item, `${at}.${key}`));
}

/** `text` with each reference replaced by `resolve(name)`. */
export function substitute(text: string, resolve: (name: string) => string): string {
  return text.replace(REFERENCE, (_, name: string) => resolve(name));
}

/**
 * The server entry Rampart's upstream uses: its `env` and `headers` objects read referenced secrets on access
 * (enumerable getters: the transports copy them with a spread at spawn and at every request). Entries without
 * references are returned as they are.
 */
export function bindVaultReferences(server: ServerConfig, resolve: (name: string) => string): ServerConfig {
  let bound: ServerConfig | undefined;
  for (const [field, values] of referencingFields(server)) {
    if (!Object.values(values).some((v) => namesIn(v).length > 0)) continue;
    const live: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      if (namesIn(value).length === 0) live[key] = value;
      else Object.defineProperty(live, key, { enumerable: true, get: () => substitute(value, resolve) });
    }
    bound = { ...(bound ?? server), [field]: live } as ServerConfig;
  }
  return bound ?? server;
}

function namesIn(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((m) => m[1] as string);
}

function referencingFields(server: ServerConfig): Array<[string, Record<string, string>]> {
  const fields: Array<[string, Record<string, string>]> = [];
  if ('env' in server && server.env) fields.push(['env', server.env]);
  if ('headers' in server && server.headers) fields.push(['headers', server.headers]);
  return fields;
}
