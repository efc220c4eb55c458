// Configuration of argument guards (src/arguments/): which parameter of which tool is a path, a URL, a command
// argument or SQL text, and what each may contain.
import { z } from 'zod';
import { DEFAULT_SENSITIVE } from '../arguments/path.ts';

const path = z
  .strictObject({
    roots: z
      .array(z.string().startsWith('/'))
      .min(1)
      .describe(
        'Absolute directories the path must stay in; a relative value is resolved against the first.',
      ),
    allowWrite: z
      .boolean()
      .default(false)
      .describe(
        'Accept paths that do not exist yet (files the tool will create); otherwise the path must exist.',
      ),
    deny: z
      .array(z.string().min(1))
      .default([...DEFAULT_SENSITIVE])
      .describe(
        'Globs of sensitive files refused even inside a root (`*` matches within one segment; without a leading `/` the glob matches anywhere in the path). Replaces the default list.',
      ),
  })
  .describe('The parameter is a filesystem path.');

const url = z
  .strictObject({
    schemes: z.array(z.string().min(1)).min(1).default(['https']).describe('Allowed URL schemes (no colon).'),
    hosts: z
      .array(z.string().min(1))
      .default([])
      .describe('Allowed hosts; `*.example.com` matches subdomains. Empty: any host with a public address.'),
    allowPrivate: z
      .boolean()
      .default(false)
      .describe('Allow private, CGNAT and unique-local addresses (loopback, link-local and metadata never).'),
  })
  .describe('The parameter is a URL the tool fetches (SSRF guard).');

const sql = z
  .strictObject({
    allow: z
      .array(z.string().min(1))
      .min(1)
      .default(['select'])
      .describe('Statement kinds (first keyword) allowed in the SQL text, e.g. `select`.'),
  })
  .describe('The parameter is SQL text.');

export const argumentGuardRuleSchema = z
  .strictObject({
    tool: z
      .string()
      .min(1)
      .describe('Exposed tool name (`<server>__<tool>`); a trailing `*` matches any rest.'),
    parameter: z
      .string()
      .min(1)
      .describe(
        'The argument: a JSON pointer into the arguments (`/options/path`) or a top-level property name.',
      ),
    path: path.optional(),
    url: url.optional(),
    shell: z
      .strictObject({})
      .optional()
      .describe(
        'The parameter is a command argument (string or array of strings): no shell metacharacters, no leading `-`.',
      ),
    sql: sql.optional(),
  })
  .refine((r) => [r.path, r.url, r.shell, r.sql].filter((k) => k !== undefined).length === 1, {
    message: 'give exactly one of path, url, shell or sql',
  })
  .describe('One guarded parameter of one tool (or of the tools a trailing `*` matches).');

export const argumentGuardsSchema = z
  .array(argumentGuardRuleSchema)
  .default([])
  .describe('Argument guards: checks on parameters that are paths, URLs, command arguments or SQL.');

export type ArgumentGuardRuleConfig = z.output<typeof argumentGuardRuleSchema>;
