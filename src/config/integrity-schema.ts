// Configuration of the tool-integrity quarantine (src/integrity/quarantine.ts): how new and changed definitions are
// treated, and how often servers are re-checked for changes they did not announce.
import { z } from 'zod';

export const integrityModeSchema = z
  .enum(['enforce', 'tofu', 'monitor'])
  .describe(
    '`enforce`: new and changed tools, prompts, resource templates, instructions and server identities are hidden and refused until approved (`rampart tools approve`); `tofu`: what a server serves the first time is pinned without approval, later changes are enforced; `monitor`: changes are recorded, diffed and audited but nothing is hidden.',
  );

export const integritySchema = z
  .strictObject({
    mode: integrityModeSchema.default('enforce'),
    recheckMs: z
      .number()
      .int()
      .min(1000)
      .default(300_000)
      .describe(
        "Every server's lists are fetched and checked against their pins this often, besides at connect and on every list_changed (a server that changes without announcing it is caught here).",
      ),
    pollMs: z
      .number()
      .int()
      .min(10)
      .default(1000)
      .describe(
        'How often the gateway looks for decisions made by `rampart tools approve|reject` in another process.',
      ),
  })
  .describe('Tool integrity: pinned definitions and the rug-pull quarantine.');

export type IntegrityConfig = z.infer<typeof integritySchema>;
