// Config problems are reported to the operator, not to an MCP client, so they live outside the wire error
// catalogue in src/errors.ts. Tests assert on `code` and on the structured `issues`, never on the message.

export type ConfigErrorCode = 'RAMPART_CONFIG_INVALID' | 'RAMPART_CONFIG_NOT_FOUND' | 'RAMPART_CONFIG_YAML';

/** One problem in a config file: 1-based `line`/`column` (0 when the file has none), `key` like `servers[1].url`. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string;
  readonly message: string;
}

/** Renders an issue the way compilers do, so editors and terminals can jump to it. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.key === '' ? `${where}: ${issue.message}` : `${where}: ${issue.key}: ${issue.message}`;
}

/** A config file that cannot be used; the message lists every issue, one per line. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly issues: readonly ConfigIssue[];
  constructor(code: ConfigErrorCode, issues: readonly ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.name = 'ConfigError';
    this.code = code;
    this.issues = issues;
  }
}
