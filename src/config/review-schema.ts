// Configuration of permission reviews (src/review/): how far back a grant or tool must have been used to count as
// in use, how old an approval may grow, and how often the gateway reviews on its own (never, unless asked).
import { z } from 'zod';

export const DEFAULT_UNUSED_DAYS = 30;
export const DEFAULT_APPROVAL_AGE_DAYS = 90;

export const reviewSchema = z
  .strictObject({
    intervalHours: z
      .number()
      .positive()
      .max(24 * 366)
      .optional()
      .describe(
        'Run a review this often while the gateway runs (the report is stored; findings raise a `review.findings` alert). Off when absent.',
      ),
    unusedDays: z
      .number()
      .int()
      .positive()
      .max(3650)
      .default(DEFAULT_UNUSED_DAYS)
      .describe(
        'A permit policy that allowed nothing, or a tool not called, in this many days is reported as unused.',
      ),
    approvalAgeDays: z
      .number()
      .int()
      .positive()
      .max(3650)
      .default(DEFAULT_APPROVAL_AGE_DAYS)
      .describe('An approved definition pin older than this many days is reported for re-approval.'),
  })
  .describe(
    'Permission reviews (`rampart review`): unused grants, tools never called, old approvals, unsigned or unsandboxed servers.',
  );

export type ReviewConfig = z.infer<typeof reviewSchema>;
