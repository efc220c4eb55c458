// The request-phase guard of argument validation: a `tools/call` whose arguments break the tool's input schema or
// the configured limits is refused before it reaches the server; a tool whose schema does not compile is refused
// as a server problem.
import type { ValidationConfig } from '../config/validation-schema.ts';
import { type ArgumentValidator, createArgumentValidator } from '../validate/validator.ts';
import type { Guard, GuardResult } from './pipeline.ts';

const PASS: GuardResult = { kind: 'pass' };

/** A guard validating tool call arguments against the routed tool's `inputSchema` (absent arguments are `{}`). */
export function argumentValidationGuard(
  config: ValidationConfig,
  options: { validator?: ArgumentValidator } = {},
): Guard {
  const validator =
    options.validator ??
    createArgumentValidator({
      limits: {
        maxBytes: config.maxBytes,
        maxDepth: config.maxDepth,
        maxStringLength: config.maxStringLength,
        maxArrayLength: config.maxArrayLength,
      },
    });
  return {
    name: 'argument-validation',
    phase: 'request',
    check: ({ call, value }): GuardResult => {
      if (!config.enabled || call.method !== 'tools/call') return PASS;
      const target = call.trace.target;
      if (target?.kind !== 'tool') {
        // The route resolves every tool call it lets through; a call without its definition cannot be checked.
        return {
          kind: 'deny',
          code: 'RAMPART_INTERNAL',
          ruleId: 'argument-validation:no-definition',
          reason: 'The tool definition of this call is unknown.',
        };
      }
      // Validate what is about to be forwarded (an earlier guard may have rewritten the params).
      const args = (value ?? call.params)?.['arguments'] ?? {};
      const outcome = validator.validate(target.item['inputSchema'], args);
      if (outcome.ok) return PASS;
      const ruleId =
        outcome.code === 'RAMPART_TOOL_SCHEMA_INVALID'
          ? 'argument-validation:schema'
          : outcome.code === 'RAMPART_ARGUMENT_LIMIT'
            ? 'argument-validation:limit'
            : 'argument-validation:schema-mismatch';
      return {
        kind: 'deny',
        code: outcome.code,
        ruleId,
        reason: outcome.reason,
        data: { ...outcome.data, tool: target.exposedName },
      };
    },
  };
}
