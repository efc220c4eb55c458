// Configuration of the threat detectors' actions (src/detect, src/guards/output-guard.ts): findings become a risk
// score in [0, 1], and thresholds decide what happens, per server and tool.
import { z } from 'zod';

const score = (what: string) => z.number().min(0).max(1).optional().describe(what);

const outputActions = z
  .strictObject({
    flagAt: score('A result scoring at least this is flagged: its findings are recorded in the audit event.'),
    blockAt: score(
      'A result scoring at least this is withheld from the client (RAMPART_OUTPUT_BLOCKED, with the rule ids).',
    ),
    redact: z
      .array(z.enum(['secrets', 'pii']))
      .optional()
      .describe(
        'What is replaced by a typed placeholder (`[REDACTED:email]`) in every result, keeping the rest usable.',
      ),
  })
  .describe('Actions on what tools, resources and prompts return.');

const metadataActions = z
  .strictObject({
    flagAt: score('A definition scoring at least this is flagged in its audit event and alert.'),
    quarantineAt: score(
      'A definition scoring at least this is held for review even where it would be trusted (trust on first use, a matching pin is kept as approved).',
    ),
  })
  .describe(
    'Actions on tool, prompt and resource-template definitions (checked at connect and on list_changed).',
  );

const override = z
  .strictObject({
    servers: z.array(z.string().min(1)).min(1).optional().describe('Servers the override applies to.'),
    tools: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Exposed tool names (`<server>__<tool>`); a trailing `*` matches any rest.'),
    outputs: outputActions.optional(),
    metadata: metadataActions.optional(),
  })
  .describe('Different thresholds for some servers or tools; the last matching override wins per field.');

export const detectionSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the detectors at all.'),
    outputs: outputActions.prefault({}),
    metadata: metadataActions.prefault({}),
    overrides: z.array(override).default([]),
  })
  .describe('Threat detection: what happens when detectors find something.');

export type DetectionConfig = z.infer<typeof detectionSchema>;
export type OutputActions = z.infer<typeof outputActions>;
export type MetadataActions = z.infer<typeof metadataActions>;
