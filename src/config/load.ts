// Reads a YAML config file and validates it against the schema, reporting every problem with its line.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Document } from 'yaml';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from './config-error.ts';
import { ConfigError } from './config-error.ts';
import { checkAdminNeedsAuth, checkServerNames } from './cross-checks.ts';
import { resolveConfigPaths } from './resolve-paths.ts';
import type { RampartConfig } from './schema.ts';
import { configSchema } from './schema.ts';
import { formatKeyPath, locateKey } from './yaml-locate.ts';
import type { ConfigProblem } from './zod-issues.ts';
import { problemsFromZodIssues } from './zod-issues.ts';

/** Loads, validates and path-resolves the config file at `path`; throws ConfigError on any problem. */
export function loadConfigFile(path: string): RampartConfig {
  return parseConfigText(readConfigText(path), path);
}

/** Validates YAML `text` as a config; `fileName` names it in errors and anchors relative paths. */
export function parseConfigText(text: string, fileName: string): RampartConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error): ConfigIssue => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { file: fileName, line, column: col, key: '', message: error.message };
    });
    throw new ConfigError('RAMPART_CONFIG_YAML', issues);
  }
  const invalid = (problems: readonly ConfigProblem[]) => invalidConfig(problems, doc, lineCounter, fileName);
  const input = documentValue(doc, fileName);
  if (input === null || input === undefined) {
    throw invalid([{ path: [], message: 'the file is empty; a config needs at least `servers`' }]);
  }
  const result = configSchema.safeParse(input);
  if (!result.success) throw invalid(problemsFromZodIssues(result.error.issues, input));
  const crossProblems = [...checkServerNames(result.data), ...checkAdminNeedsAuth(result.data)];
  if (crossProblems.length > 0) throw invalid(crossProblems);
  return resolveConfigPaths(result.data, dirname(resolve(fileName)));
}

function documentValue(doc: Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    // Raised for alias bombs (`&a [*b, *b, ...]`), which have no single source position to point at.
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError('RAMPART_CONFIG_YAML', [{ file, line: 0, column: 0, key: '', message }]);
  }
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const message =
      reason === 'ENOENT'
        ? 'config file not found (`rampart init` writes a starter config)'
        : `config file cannot be read (${reason})`;
    throw new ConfigError('RAMPART_CONFIG_NOT_FOUND', [{ file: path, line: 0, column: 0, key: '', message }]);
  }
}

function invalidConfig(
  problems: readonly ConfigProblem[],
  doc: Document,
  lineCounter: LineCounter,
  file: string,
): ConfigError {
  const issues = problems
    .map((problem) => ({
      file,
      ...locateKey(doc, lineCounter, problem.path),
      key: formatKeyPath(problem.path),
      message: problem.message,
    }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return new ConfigError('RAMPART_CONFIG_INVALID', issues);
}
