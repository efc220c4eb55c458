// Configuration of the admin API (src/admin): a separate listener where approvers list and decide calls held for
// approval. It accepts only access tokens from the configured issuers (`auth`) that carry the admin scope.
import { z } from 'zod';

export const adminSchema = z
  .strictObject({
    host: z
      .string()
      .default('127.0.0.1')
      .describe(
        'Address of the admin listener. It speaks plain HTTP and bearer tokens cross it: keep it on loopback or an internal network.',
      ),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(8788)
      .describe('Port of the admin listener; 0 picks a free one.'),
    requiredScope: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'one OAuth scope token (printable ASCII, no spaces or quotes)')
      .default('rampart:admin')
      .describe(
        'Scope an access token must carry to use the admin API (besides the scopes `auth.scopes.required` asks of every token).',
      ),
  })
  .describe(
    'The admin API on its own listener: `GET /approvals`, `GET /approvals/{id}`, `POST /approvals/{id}/approve` and `.../deny`. Needs `auth`: callers present access tokens with `requiredScope`; there are no static admin credentials.',
  );

export type AdminConfig = z.infer<typeof adminSchema>;
