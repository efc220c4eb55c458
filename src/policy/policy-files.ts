// Loads the `.cedar` files named in the config: every statement parsed on its own (so each problem points at its
// file, line and column), ids taken from `@id("...")` or made from file and line, and the whole set validated
// against the MCP schema in strict mode. A set with any error is never used; the previous one stays in force.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { LineIndex, splitStatements } from './cedar-source.ts';
import { mcpSchemaText } from './mcp-schema.ts';

/** How a policy's `@approval` annotation asks for a human: anyone entitled (the user when asked), or an approver. */
export type ApprovalMode = 'any' | 'approver';

export interface LoadedPolicy {
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
  readonly json: cedar.PolicyJson;
  readonly effect: 'permit' | 'forbid';
  /** A forbid annotated `@approval` holds the call for a human instead of refusing it. */
  readonly approval: ApprovalMode | undefined;
  /** `@reason("...")`: what a refused caller is told (policy text is never shown to callers). */
  readonly reason: string | undefined;
}

export interface PolicyProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly policyId: string | undefined;
  readonly message: string;
}

export interface PolicySetSource {
  readonly policies: readonly LoadedPolicy[];
  /** SHA-256 over the ids and texts, recorded with decisions so `policy explain` can tell a later edit. */
  readonly digest: string;
  /** Problems that do not stop the set (an argument no known tool declares yet, an impossible policy). */
  readonly warnings: readonly PolicyProblem[];
}

/** The policy files could not be loaded; `problems` says where and why. */
export class PolicyLoadError extends Error {
  readonly problems: readonly PolicyProblem[];
  constructor(problems: readonly PolicyProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'PolicyLoadError';
    this.problems = problems;
  }
}

export function formatProblem(problem: PolicyProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return `${where}: ${problem.policyId ? `policy ${problem.policyId}: ` : ''}${problem.message}`;
}

const ID_PATTERN = /^[A-Za-z0-9_.:/-]{1,128}$/;

export interface LoadOptions {
  /** Cedar record type expressions for `context.arguments` of call and get (from the known tools and prompts). */
  readonly argumentsType?: string;
  readonly promptArgumentsType?: string;
  /** Read a file (tests pass sources in memory). */
  readonly read?: (file: string) => string;
}

/** Loads, parses and validates `files`; throws PolicyLoadError listing every problem. */
export function loadPolicyFiles(files: readonly string[], options: LoadOptions = {}): PolicySetSource {
  const read = options.read ?? ((file: string) => readFileSync(file, 'utf8'));
  const problems: PolicyProblem[] = [];
  const policies: LoadedPolicy[] = [];
  const located = new Map<string, { index: LineIndex; byteOffset: number; file: string }>();
  const seenIds = new Map<string, string>();
  for (const file of files) {
    let source: string;
    try {
      source = read(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push({
        file,
        line: 0,
        column: 0,
        policyId: undefined,
        message: `cannot read the file (${code})`,
      });
      continue;
    }
    const index = new LineIndex(source);
    const name = path.basename(file);
    for (const statement of splitStatements(source)) {
      const at = (offset: number) => index.position(statement.byteOffset + offset);
      const parsed = cedar.policyToJson(statement.text);
      if (parsed.type === 'failure') {
        for (const error of parsed.errors) {
          const { line, column } = at(error.sourceLocations?.[0]?.start ?? 0);
          problems.push({ file, line, column, policyId: undefined, message: describe(error) });
        }
        continue;
      }
      const { line, column } = at(0);
      const annotations = parsed.json.annotations ?? {};
      const explicit = annotations['id'];
      const id = explicit ?? `${name}:${line}`;
      const problem = (message: string) => problems.push({ file, line, column, policyId: id, message });
      if (explicit !== undefined && !ID_PATTERN.test(explicit)) {
        problem('@id may use letters, digits and _ . : / - (at most 128)');
        continue;
      }
      const duplicate = seenIds.get(id);
      if (duplicate !== undefined) {
        problem(`@id "${id}" is already used at ${duplicate}`);
        continue;
      }
      seenIds.set(id, `${file}:${line}:${column}`);
      const approval = approvalMode(annotations['approval'], parsed.json.effect, problem);
      if (approval === null) continue;
      policies.push({
        id,
        file,
        line,
        column,
        text: statement.text,
        json: parsed.json,
        effect: parsed.json.effect,
        approval,
        reason: annotations['reason'] ?? undefined,
      });
      located.set(id, { index, byteOffset: statement.byteOffset, file });
    }
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);
  const warnings = validateAgainstSchema(policies, located, options, problems);
  if (problems.length > 0) throw new PolicyLoadError(problems);
  return { policies, digest: digestOf(policies), warnings };
}

/** `@approval` (or `@approval("any")`) lets the user approve when asked; `@approval("approver")` only approvers. */
function approvalMode(
  value: string | null | undefined,
  effect: 'permit' | 'forbid',
  problem: (message: string) => void,
): ApprovalMode | undefined | null {
  if (value === undefined) return undefined;
  if (effect !== 'forbid') {
    problem('@approval belongs on a forbid: it holds the calls the forbid matches until a human approves');
    return null;
  }
  if (value === null || value === '' || value === 'any') return 'any';
  if (value === 'approver') return 'approver';
  problem('@approval takes no value, "any" or "approver"');
  return null;
}

function validateAgainstSchema(
  policies: readonly LoadedPolicy[],
  located: Map<string, { index: LineIndex; byteOffset: number; file: string }>,
  options: LoadOptions,
  problems: PolicyProblem[],
): PolicyProblem[] {
  const warnings: PolicyProblem[] = [];
  if (policies.length === 0) return warnings;
  const answer = cedar.validate({
    schema: mcpSchemaText(options.argumentsType, options.promptArgumentsType),
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    for (const error of answer.errors)
      problems.push({ file: '<schema>', line: 0, column: 0, policyId: undefined, message: describe(error) });
    return warnings;
  }
  const toProblem = (policyId: string, error: cedar.DetailedError): PolicyProblem => {
    const where = located.get(policyId);
    const offset = error.sourceLocations?.[0]?.start ?? 0;
    const { line, column } = where ? where.index.position(where.byteOffset + offset) : { line: 0, column: 0 };
    return { file: where?.file ?? '', line, column, policyId, message: describe(error) };
  };
  // Cedar reports a problem once per action a policy applies to: report it once, naming the actions.
  const seen = new Map<string, { problem: PolicyProblem; actions: string[]; warning: boolean }>();
  for (const { policyId, error } of answer.validationErrors) {
    const actions: string[] = [];
    const message = error.message.replace(/ for Action::"(\w+)"/g, (_m, action: string) => {
      actions.push(action);
      return '';
    });
    const problem = toProblem(policyId, { ...error, message });
    const key = JSON.stringify([
      problem.file,
      problem.line,
      problem.column,
      problem.policyId,
      problem.message,
    ]);
    const known = seen.get(key);
    if (known) {
      known.actions.push(...actions);
      continue;
    }
    // Tools come and go: an argument no tool declares yet is reported, and evaluates as absent (fail closed).
    seen.set(key, {
      problem,
      actions,
      warning: isUnknownArgument(
        policies.find((p) => p.id === policyId),
        error,
      ),
    });
  }
  for (const { problem, actions, warning } of seen.values()) {
    const named =
      actions.length > 0
        ? { ...problem, message: `${problem.message} (actions: ${actions.sort().join(', ')})` }
        : problem;
    if (warning) warnings.push(named);
    else problems.push(named);
  }
  const untyped = (options.argumentsType ?? '{}') === '{}';
  for (const { policyId, error } of answer.validationWarnings) {
    // Before any tool is known, every argument read looks impossible: that is not worth a warning.
    const policy = policies.find((p) => p.id === policyId);
    if (untyped && policy?.text.includes('context.arguments') && /impossible/.test(error.message)) continue;
    warnings.push(toProblem(policyId, error));
  }
  return warnings;
}

/** True for "attribute `x` ... not found" on an expression under `context.arguments`. */
function isUnknownArgument(policy: LoadedPolicy | undefined, error: cedar.DetailedError): boolean {
  if (!policy || !/attribute `[^`]+`.* not found/.test(error.message)) return false;
  const span = error.sourceLocations?.[0];
  if (!span) return false;
  const bytes = Buffer.from(policy.text, 'utf8');
  const text = bytes.subarray(span.start, span.end).toString('utf8').replace(/\s+/g, '');
  return text.startsWith('context.arguments.') || text.startsWith('context.arguments[');
}

function describe(error: cedar.DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}

function digestOf(policies: readonly LoadedPolicy[]): string {
  const hash = createHash('sha256');
  for (const p of policies) hash.update(JSON.stringify([p.id, p.text]));
  return hash.digest('hex');
}
