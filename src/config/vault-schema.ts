// Configuration of the credential vault (src/vault): where its master key comes from, how long a rotated value is
// still redacted, and how often a running gateway looks for changes made by `rampart secrets`.
import { z } from 'zod';

const masterKey = z
  .union([
    z.strictObject({
      env: z
        .string()
        .min(1)
        .describe('Environment variable holding the 32-byte master key, base64 or hex encoded.'),
    }),
    z.strictObject({
      file: z
        .string()
        .min(1)
        .describe(
          "File holding the master key (base64, hex or 32 raw bytes); relative to the config file's directory. It must be readable by its owner only (0600 or 0400).",
        ),
    }),
    z.strictObject({
      plugin: z
        .string()
        .min(1)
        .describe(
          "A key-management plug-in: path of a JS/TS module exporting `keyId` (string) and async `wrapKey(dataKey, context)` / `unwrapKey(wrapped, context)`; relative to the config file's directory.",
        ),
      options: z
        .record(z.string(), z.string())
        .default({})
        .describe(
          "Passed to the plug-in's optional `init(options)` (names of key rings, regions; no secrets).",
        ),
    }),
  ])
  .describe(
    "What wraps the vault's data keys: `{ env: NAME }`, `{ file: PATH }` or `{ plugin: MODULE }`. The master key never lives in the state directory.",
  );

export const vaultSchema = z
  .strictObject({
    masterKey: masterKey.default({ env: 'RAMPART_VAULT_KEY' }),
    retainPreviousMs: z
      .number()
      .int()
      .nonnegative()
      .default(7 * 24 * 3_600_000)
      .describe(
        'After `rampart secrets rotate`, the previous value is still recognised and redacted for this long, then its record is destroyed.',
      ),
    pollMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        'How often a running gateway checks the vault for changes made by `rampart secrets` (new values, canaries, rotations).',
      ),
  })
  .describe(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference syntax, quoted for the reader.
    "The credential vault (`rampart secrets`): secrets encrypted at rest in `vault.db` in the state directory, referred to as `${vault:NAME}` in a stdio server's `env` values and an HTTP server's `headers` values; canary tokens that block any call carrying them. See docs/vault.md.",
  );

export type VaultConfig = z.infer<typeof vaultSchema>;
export type MasterKeyConfig = VaultConfig['masterKey'];
