// Retention and legal holds. Retention purges payload ciphertexts of events older than N days; the events, their
// commitments and every hash stay, so the chain still verifies. A legal hold exempts a subject (all their
// payloads) or a period (every payload of an event inside it) from retention, and makes erasure of a held subject
// refuse unless overridden (GDPR art. 17(3)(e): data needed for legal claims).
import { z } from 'zod';
import type { PayloadMasterKey } from './master-key.ts';
import { type SubjectId, subjectRefOf } from './payload-crypto.ts';

export interface LegalHolds {
  readonly subjects?: readonly { readonly issuer: string; readonly subject: string }[] | undefined;
  /** Payloads of events without a principal. */
  readonly anonymous?: boolean | undefined;
  /** ISO 8601 times, inclusive. */
  readonly periods?: readonly { readonly from: string; readonly to: string }[] | undefined;
}

export interface AuditPrivacyOptions {
  /** Purge payloads of events older than this many days (unset: kept until erased). */
  readonly retentionDays?: number | undefined;
  readonly holds?: LegalHolds | undefined;
  /** How often the log runs retention (and forgets keys erased by another process); default 10 minutes. */
  readonly purgeIntervalMs?: number | undefined;
}

/** Holds with subjects as refs and periods as ms ranges. */
export interface ResolvedHolds {
  readonly refs: ReadonlySet<string>;
  readonly periods: readonly (readonly [number, number])[];
}

export function resolveHolds(holds: LegalHolds | undefined, master: PayloadMasterKey): ResolvedHolds {
  const who: SubjectId[] = (holds?.subjects ?? []).map((s) => ({ issuer: s.issuer, subject: s.subject }));
  if (holds?.anonymous) who.push(null);
  const periods = (holds?.periods ?? []).map((p): readonly [number, number] => {
    const from = Date.parse(p.from);
    const to = Date.parse(p.to);
    if (Number.isNaN(from) || Number.isNaN(to) || to < from) {
      throw new TypeError(`legal hold period ${p.from} .. ${p.to} is not a valid ISO 8601 range`);
    }
    return [from, to];
  });
  return { refs: new Set(who.map((w) => subjectRefOf(master, w))), periods };
}

const holdsSchema = z
  .strictObject({
    subjects: z
      .array(z.strictObject({ issuer: z.string().min(1), subject: z.string().min(1) }))
      .default([])
      .describe(
        'Subjects whose payloads are kept regardless of retention and cannot be erased without --override-hold.',
      ),
    anonymous: z.boolean().default(false).describe('Hold the payloads of events without a principal.'),
    periods: z
      .array(
        z
          .strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
          .refine((p) => Date.parse(p.to) >= Date.parse(p.from), { message: '`to` is before `from`' }),
      )
      .default([])
      .describe('Time ranges (ISO 8601, inclusive) whose payloads are kept regardless of retention.'),
  })
  .describe('Legal holds: exempt payloads from retention and erasure (GDPR art. 17(3)(e)).');

/** The `audit.privacy` section of the configuration, for src/config/audit-schema.ts to include. */
export const auditPrivacySchema = z
  .strictObject({
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .optional()
      .describe(
        'Purge kept payloads (`full`/`redacted`) of events older than this many days; the events and their hashes stay, so the log still verifies. Unset: payloads are kept until their subject is erased.',
      ),
    purgeIntervalMs: z
      .number()
      .int()
      .min(1000)
      .max(86_400_000)
      .default(600_000)
      .describe('How often retention runs (in bounded steps of 1000 rows).'),
    holds: holdsSchema.default({ subjects: [], anonymous: false, periods: [] }),
  })
  .describe('Erasure and retention of kept payloads.');

export type AuditPrivacyConfig = z.infer<typeof auditPrivacySchema>;
