// Configuration of argument validation (src/validate/): tool call arguments are checked against the tool's
// input schema, after structural limits that bound what a validator is ever asked to walk.
import { z } from 'zod';
import { DEFAULT_ARGUMENT_LIMITS } from '../validate/limits.ts';

const limit = (fallback: number, what: string) =>
  z.number().int().positive().default(fallback).describe(what);

export const validationSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Validate every `tools/call`'s arguments against the tool's `inputSchema` (JSON Schema 2020-12, or draft-07 when its `$schema` says so); invalid calls are refused with RAMPART_ARGUMENT_INVALID before reaching the server.",
      ),
    maxBytes: limit(
      DEFAULT_ARGUMENT_LIMITS.maxBytes,
      "Largest size of a call's arguments, in bytes of their JSON (RAMPART_ARGUMENT_LIMIT above it).",
    ),
    maxDepth: limit(
      DEFAULT_ARGUMENT_LIMITS.maxDepth,
      'Deepest nesting of objects and arrays within the arguments (the arguments object itself is depth 1).',
    ),
    maxStringLength: limit(
      DEFAULT_ARGUMENT_LIMITS.maxStringLength,
      'Longest string value or property name within the arguments, in UTF-16 code units.',
    ),
    maxArrayLength: limit(
      DEFAULT_ARGUMENT_LIMITS.maxArrayLength,
      'Most elements of any one array within the arguments.',
    ),
  })
  .describe("Argument validation: tool calls are checked against the tool's input schema and size limits.");

export type ValidationConfig = z.infer<typeof validationSchema>;
