// `rampart secrets set|list|rotate|rm|keygen`: the credential vault in the state directory. Values come from stdin
// or a named environment variable, never from the command line (argv is visible to every user in `ps`), and are
// never printed, except a canary made with --generate, which must be planted somewhere by hand. A running gateway
// picks up every change within `vault.pollMs`. Exit codes: 0 done, 1 refused (unknown name, wrong key), 2 usage.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig } from '../config/demo.ts';
import { loadConfigFile } from '../config/load.ts';
import type { MasterKeyConfig } from '../config/vault-schema.ts';
import { RampartError } from '../errors.ts';
import { generateMasterKey, type KeyWrapper, openKeyWrapper } from '../vault/master-key.ts';
import { Vault } from '../vault/vault.ts';
import { VaultStore } from '../vault/vault-store.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';
import { printable, table } from './terminal-text.ts';

export const SECRETS_USAGE = `Usage: rampart secrets <set|list|rotate|rm|keygen> [options]

  set NAME [--canary] [--from-env VAR | --generate]
                     store a secret (or a canary token); the value is read from stdin (one trailing newline
                     dropped) or from environment variable VAR. --generate (canaries only) makes a random token
                     and prints it once, to be planted where a thief would find it.
  list [--json]      names, kinds, versions and dates (never values)
  rotate NAME [--from-env VAR]
                     replace a value; the previous one is still redacted for vault.retainPreviousMs
  rotate --master-key (--new-key-env VAR | --new-key-file FILE | --new-key-plugin MODULE)
                     re-wrap every data key with a new master key, then point vault.masterKey at it
  rm NAME            delete every version of a secret
  keygen             print a new random master key (base64), e.g. for RAMPART_VAULT_KEY

Every subcommand takes --config FILE; without it the embedded demo's state directory (./.rampart) is used.
`;

export interface SecretsIo extends CommandIo {
  /** Reads the whole of stdin (tests pass their own). */
  readonly stdin?: () => Promise<string>;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `rampart secrets` with its arguments; resolves to the exit code. */
export async function secretsCommand(args: string[], io: SecretsIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('secrets', SECRETS_USAGE, io);
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help) {
    out(SECRETS_USAGE);
    return 0;
  }
  const [sub, name, ...rest] = positionals;
  if (sub === undefined) return usage('give a subcommand: set, list, rotate, rm or keygen');
  if (rest.length > 0)
    return usage(`unexpected argument "${rest[0]}" (values are never taken from the command line)`);
  if (sub === 'keygen') {
    out(`${generateMasterKey()}\n`);
    return 0;
  }
  if (!['set', 'list', 'rotate', 'rm'].includes(sub)) return usage(`unknown subcommand "${sub}"`);
  const masterRotation = sub === 'rotate' && values['master-key'];
  if (sub === 'list' ? name !== undefined : !masterRotation && name === undefined) {
    return usage(sub === 'list' ? `unexpected argument "${name}"` : `${sub} needs a secret NAME`);
  }
  if (values.generate && !(sub === 'set' && values.canary))
    return usage('--generate makes canaries only: set NAME --canary --generate');
  if (values.generate && values['from-env']) return usage('give --from-env or --generate, not both');

  const config = values.config ? loadConfigFile(values.config) : demoConfig(path.resolve('.rampart'));
  const baseDir = values.config ? path.dirname(path.resolve(values.config)) : process.cwd();
  const env = io.env ?? process.env;
  const now = io.now ?? Date.now;
  const needsKey = sub === 'set' || sub === 'rotate';
  if (!needsKey && !VaultStore.exists(config.stateDir)) {
    if (sub === 'list') {
      out(values.json ? '[]\n' : 'no secrets\n');
      return 0;
    }
    err(`rampart secrets: no vault in ${config.stateDir}\n`);
    return 1;
  }
  let vault: Vault | undefined;
  try {
    const wrapper = needsKey ? await openKeyWrapper(config.vault.masterKey, baseDir, env) : undefined;
    vault = Vault.open(config.stateDir, wrapper, now);
    switch (sub) {
      case 'list':
        return list(vault, values.json, out);
      case 'rm':
        if (!vault.remove(name as string)) {
          err(`rampart secrets: no secret named ${printable(name as string)}\n`);
          return 1;
        }
        out(`removed ${name}\n`);
        return 0;
      case 'set': {
        const generated = values.generate ? randomBytes(30).toString('base64url') : undefined;
        const value = generated ?? (await readValue(values['from-env'], env, io));
        const version = await vault.set(name as string, value, values.canary ? 'canary' : 'secret');
        out(`stored ${values.canary ? 'canary' : 'secret'} ${name} (version ${version})\n`);
        if (generated) out(`${generated}\n`);
        return 0;
      }
      default: {
        if (masterRotation) {
          const next = await newKeyWrapper(values, baseDir, env, usage);
          if (typeof next === 'number') return next;
          const count = await vault.rewrap(next);
          out(
            `re-wrapped ${count} data key(s) with master key ${next.keyId}; now set vault.masterKey to the new key\n`,
          );
          return 0;
        }
        const value = await readValue(values['from-env'], env, io);
        const version = await vault.rotate(name as string, value, config.vault.retainPreviousMs);
        out(`rotated ${name} to version ${version}\n`);
        return 0;
      }
    }
  } catch (e) {
    if (!(e instanceof RampartError)) throw e;
    err(`rampart secrets: ${e.code}: ${e.message}\n`);
    return 1;
  } finally {
    vault?.close();
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      canary: { type: 'boolean', default: false },
      generate: { type: 'boolean', default: false },
      'from-env': { type: 'string' },
      'master-key': { type: 'boolean', default: false },
      'new-key-env': { type: 'string' },
      'new-key-file': { type: 'string' },
      'new-key-plugin': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function list(vault: Vault, json: boolean, out: (text: string) => void): number {
  const secrets = vault.list();
  if (json) {
    out(`${JSON.stringify(secrets, null, 2)}\n`);
    return 0;
  }
  if (secrets.length === 0) {
    out('no secrets\n');
    return 0;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  out(
    table(
      ['NAME', 'KIND', 'VERSION', 'CREATED', 'PREVIOUS', 'MASTER KEY'],
      secrets.map((s) => [
        s.name,
        s.kind,
        String(s.version),
        iso(s.createdAt),
        s.previous.map((p) => `v${p.version} retired ${iso(p.retiredAt)}`).join('; ') || '-',
        s.keyId,
      ]),
    ),
  );
  return 0;
}

/** The value from the named environment variable, or the whole of stdin without its final newline. */
async function readValue(
  fromEnv: string | undefined,
  env: NodeJS.ProcessEnv,
  io: SecretsIo,
): Promise<string> {
  if (fromEnv !== undefined) {
    const value = env[fromEnv];
    if (value === undefined || value === '') {
      throw new RampartError('RAMPART_VAULT_SECRET_INVALID', `environment variable ${fromEnv} is not set`);
    }
    return value;
  }
  const text = await (io.stdin ?? readStdin)();
  return text.replace(/\r?\n$/, '');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function newKeyWrapper(
  values: Values,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  usage: (message: string) => number,
): Promise<KeyWrapper | number> {
  const given: MasterKeyConfig[] = [
    ...(values['new-key-env'] ? [{ env: values['new-key-env'] }] : []),
    ...(values['new-key-file'] ? [{ file: values['new-key-file'] }] : []),
    ...(values['new-key-plugin'] ? [{ plugin: values['new-key-plugin'], options: {} }] : []),
  ];
  if (given.length !== 1)
    return usage('rotate --master-key needs one of --new-key-env, --new-key-file, --new-key-plugin');
  return openKeyWrapper(given[0] as MasterKeyConfig, baseDir, env);
}
