// Configuration of change control: every start and policy reload is recorded as a version in rampart.db
// (`rampart config history|diff|rollback`); the two-person rule makes a second person approve a change first.
import { z } from 'zod';

export const changeControlSchema = z
  .strictObject({
    twoPersonRule: z
      .boolean()
      .default(false)
      .describe(
        'Run only a configuration and policy set approved by someone other than its author: `rampart config propose` records the files, `rampart config approve N --approver NAME` approves them. `rampart serve` refuses an unapproved set (naming the version to approve) and a policy reload of one is rejected like an invalid policy file. The first version ever runs without approval (bootstrap). Switching the rule off needs approval too.',
      ),
  })
  .describe(
    'Change control. Every start and accepted policy reload is recorded as a version (the exact config and policy file bytes) in the state directory; see docs/change-control.md.',
  );

export type ChangeControlConfig = z.infer<typeof changeControlSchema>;
