// Where the master key comes from: an environment variable, a file only its owner can read, or a key-management
// plug-in. Whatever the source, the vault only sees a KeyWrapper: wrap and unwrap a data key, and a key id that
// tells which master key a record was wrapped with (so a wrong key is named, not mistaken for tampering).
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MasterKeyConfig } from '../config/vault-schema.ts';
import { RampartError } from '../errors.ts';
import { gcmOpen, gcmSeal } from './envelope.ts';

export interface KeyWrapper {
  /** Names the master key (never derived reversibly from it); stored beside every wrapped data key. */
  readonly keyId: string;
  wrap(dataKey: Buffer, aad: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer>;
}

/** What a key-management plug-in module exports. `context.aad` names the secret, version and kind it protects. */
export interface KeyPlugin {
  readonly keyId: string;
  init?(options: Record<string, string>): void | Promise<void>;
  wrapKey(dataKey: Uint8Array, context: { aad: string }): Promise<Uint8Array>;
  unwrapKey(wrapped: Uint8Array, context: { aad: string }): Promise<Uint8Array>;
}

/** A new random master key, base64 (`rampart secrets keygen`). */
export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/** A wrapper around a local 32-byte master key (AES-256-GCM key wrapping). */
export function localKeyWrapper(key: Buffer): KeyWrapper {
  if (key.length !== 32) throw new RampartError('RAMPART_VAULT_LOCKED', 'the master key must be 32 bytes');
  const own = Buffer.from(key);
  const keyId = `local:${createHmac('sha256', own).update('rampart-vault/key-id').digest('hex').slice(0, 16)}`;
  // Proves the key works with this Node build once, up front, rather than on the first secret.
  createCipheriv('aes-256-gcm', own, randomBytes(12));
  return {
    keyId,
    wrap: async (dataKey, aad) => gcmSeal(own, dataKey, aad),
    unwrap: async (wrapped, aad) => gcmOpen(own, wrapped, aad),
  };
}

/** Decodes key text: 64 hex digits, or base64 of 32 bytes; `raw` also accepts exactly 32 bytes as they are. */
export function parseMasterKey(material: Buffer | string, source: string): Buffer {
  const raw = typeof material === 'string' ? Buffer.from(material, 'utf8') : material;
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(text)) {
    const decoded = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === 32) return decoded;
  }
  if (typeof material !== 'string' && raw.length === 32) return Buffer.from(raw);
  throw new RampartError('RAMPART_VAULT_LOCKED', `${source} does not hold a 32-byte key (base64 or hex)`);
}

/** Opens the configured master key source; `baseDir` anchors relative file and plug-in paths. */
export async function openKeyWrapper(
  config: MasterKeyConfig,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KeyWrapper> {
  if ('env' in config) {
    const value = env[config.env];
    if (value === undefined || value === '') {
      throw new RampartError('RAMPART_VAULT_LOCKED', `the master key variable ${config.env} is not set`);
    }
    return localKeyWrapper(parseMasterKey(value, `environment variable ${config.env}`));
  }
  if ('file' in config) return localKeyWrapper(readKeyFile(path.resolve(baseDir, config.file)));
  return pluginKeyWrapper(path.resolve(baseDir, config.plugin), config.options);
}

/** Reads a key file, refusing one that anyone but its owner could read or write. */
export function readKeyFile(file: string): Buffer {
  let mode: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a file');
    mode = stat.mode;
  } catch {
    throw new RampartError('RAMPART_VAULT_LOCKED', `the master key file ${file} cannot be read`);
  }
  if ((mode & 0o077) !== 0) {
    throw new RampartError(
      'RAMPART_VAULT_LOCKED',
      `the master key file ${file} is accessible to others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  return parseMasterKey(readFileSync(file), `the master key file ${file}`);
}

async function pluginKeyWrapper(modulePath: string, options: Record<string, string>): Promise<KeyWrapper> {
  let plugin: Partial<KeyPlugin>;
  try {
    plugin = (await import(pathToFileURL(modulePath).href)) as Partial<KeyPlugin>;
  } catch (err) {
    throw new RampartError(
      'RAMPART_VAULT_LOCKED',
      `the key plug-in ${modulePath} cannot be loaded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const { wrapKey, unwrapKey, init } = plugin;
  if (typeof wrapKey !== 'function' || typeof unwrapKey !== 'function') throw badPlugin(modulePath);
  await init?.(options);
  // Read after init: a plug-in may name its key only once it knows which one it is configured for.
  const keyId = plugin.keyId;
  if (typeof keyId !== 'string' || keyId === '') throw badPlugin(modulePath);
  return {
    keyId: `plugin:${keyId}`,
    wrap: async (dataKey, aad) => Buffer.from(await wrapKey(dataKey, { aad: aad.toString('utf8') })),
    unwrap: async (wrapped, aad) => {
      try {
        return Buffer.from(await unwrapKey(wrapped, { aad: aad.toString('utf8') }));
      } catch {
        // The plug-in's own error may quote key material or its service's answer: it is not passed on.
        throw new RampartError(
          'RAMPART_VAULT_LOCKED',
          `the key plug-in ${modulePath} could not unwrap a data key`,
        );
      }
    },
  };
}

function badPlugin(modulePath: string): RampartError {
  return new RampartError(
    'RAMPART_VAULT_LOCKED',
    `the key plug-in ${modulePath} must export keyId (string), wrapKey and unwrapKey (async functions)`,
  );
}
