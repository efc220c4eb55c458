// Turns zod issues into one problem per offending key, with a path that can be located in the YAML source.
import type { z } from 'zod';
import type { KeyPath } from './yaml-locate.ts';

type ZodIssue = z.core.$ZodIssue;

export interface ConfigProblem {
  readonly path: KeyPath;
  readonly message: string;
}

// The server union is told apart by which of these keys an entry has; naming them beats zod's "Invalid input".
const SERVER_VARIANT_KEYS = ['command', 'package', 'url'] as const;

/** One problem per offending key; `input` is the parsed YAML the issues were raised against. */
export function problemsFromZodIssues(issues: readonly ZodIssue[], input: unknown): ConfigProblem[] {
  return issues.flatMap((issue) => problemsFromIssue(issue, [], input));
}

function problemsFromIssue(issue: ZodIssue, base: KeyPath, input: unknown): ConfigProblem[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      // Point at each unknown key itself, not at the mapping that contains it.
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }));
    case 'invalid_type':
      if (valueAt(input, path) === undefined) return [{ path, message: 'required key is missing' }];
      return [{ path, message: issue.message }];
    case 'invalid_union':
      return problemsFromUnion(issue, path, input);
    default:
      return [{ path, message: issue.message }];
  }
}

function problemsFromUnion(issue: ZodIssue & { code: 'invalid_union' }, path: KeyPath, input: unknown) {
  const value = valueAt(input, path);
  if (isRecord(value)) {
    const present = SERVER_VARIANT_KEYS.filter((key) => Object.hasOwn(value, key));
    if (present.length === 0) {
      return [
        {
          path,
          message: 'a server needs either `command` or `package` (stdio server) or `url` (HTTP server)',
        },
      ];
    }
    if (present.includes('url') && present.length > 1) {
      return [{ path, message: 'a server has either `command`/`package` (stdio) or `url` (HTTP), not both' }];
    }
  }
  const branch = chooseBranch(issue.errors, value);
  return uniqueProblems(branch.flatMap((inner) => problemsFromIssue(inner, path, input)));
}

// The branch that recognises the keys the entry actually has is the one the author meant.
function chooseBranch(branches: readonly (readonly ZodIssue[])[], value: unknown): readonly ZodIssue[] {
  const keys = isRecord(value) ? Object.keys(value) : [];
  const rejectsAKey = (branch: readonly ZodIssue[]) =>
    branch.some(
      (inner) =>
        inner.code === 'unrecognized_keys' &&
        inner.path.length === 0 &&
        inner.keys.some((k) => keys.includes(k)),
    );
  const candidates = branches.filter((branch) => !rejectsAKey(branch));
  const pool = candidates.length > 0 ? candidates : branches;
  return pool.reduce((best, branch) => (branch.length < best.length ? branch : best), pool[0] ?? []);
}

function uniqueProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const id = JSON.stringify([problem.path.map(String), problem.message]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function valueAt(input: unknown, path: KeyPath): unknown {
  let value = input;
  for (const segment of path) {
    const isIndex = Array.isArray(value) && typeof segment === 'number';
    const isKey = isRecord(value) && typeof segment === 'string' && Object.hasOwn(value, segment);
    if (!isIndex && !isKey) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
