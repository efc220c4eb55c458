// `rampart detect tools|outputs|changes FILE.jsonl [--threshold X]`: runs one registered detection task over a JSONL
// file in the format of the labelled detection set and writes one verdict per line. Exit codes: 0 done, 1 unreadable
// or malformed input, 2 usage problems (including a task that is not registered).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DetectOutput } from '../detect/finding.ts';
import { TASKS } from '../detect/tasks/index.ts';
import { sameServerTools } from '../detect/tasks/same-server.ts';
import type { DetectTask } from '../detect/tasks/task.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';

export const DETECT_USAGE = `Usage: rampart detect <tools|outputs|changes> FILE.jsonl [--threshold X]

  Reads one JSON object per line (the format of the labelled detection set; a tools item may carry
  other_tools, the names of the other tools in its session) and prints one line per item:
  {"id", "flagged", "score", "findings": [{"rule", "severity", "evidence"}]}.
  --threshold X   flag items scoring at least X (0..1); default: the task's own threshold
`;

interface DetectArgs {
  readonly task: DetectTask;
  readonly file: string;
  readonly threshold: number;
}

function parse(args: string[]): DetectArgs {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { threshold: { type: 'string' } },
  });
  const [name, file, ...rest] = positionals;
  if (name === undefined || file === undefined) throw new Error('a task and a JSONL file are required');
  if (rest.length > 0) throw new Error(`unexpected argument "${rest[0]}"`);
  const task = Object.hasOwn(TASKS, name) ? TASKS[name as DetectTask['name']] : undefined;
  if (!task) throw new Error(`unknown task "${name}" (available: ${Object.keys(TASKS).join(', ')})`);
  let threshold = task.defaultThreshold;
  if (values.threshold !== undefined) {
    threshold = Number(values.threshold);
    if (!/^\d*\.?\d+$/.test(values.threshold) || !(threshold >= 0 && threshold <= 1)) {
      throw new Error(`--threshold must be a number between 0 and 1, got "${values.threshold}"`);
    }
  }
  return { task, file, threshold };
}

/** The items of a JSONL text; throws naming the first line that is not a JSON object. */
export function parseJsonl(text: string): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1}: not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`line ${i + 1}: expected a JSON object`);
    }
    items.push(value as Record<string, unknown>);
  }
  return items;
}

/** The verdict line of one item. */
export function verdict(
  task: DetectTask,
  item: Record<string, unknown>,
  others: string[],
  threshold: number,
) {
  const { score, findings } = task.detect(item, { sameServerTools: others });
  const out: DetectOutput = {
    id: typeof item['id'] === 'string' || typeof item['id'] === 'number' ? String(item['id']) : '',
    flagged: score >= threshold,
    score,
    findings: findings.map((f) => ({ rule: f.rule, severity: f.severity, evidence: f.evidence })),
  };
  return out;
}

/** Runs `rampart detect` with its arguments; resolves to the exit code. */
export async function detectCommand(args: string[], io: CommandIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('detect', DETECT_USAGE, io);
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  let items: Record<string, unknown>[];
  try {
    items = parseJsonl(readFileSync(parsed.file, 'utf8'));
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    err(`rampart detect: cannot read ${parsed.file}: ${reason}\n`);
    return 1;
  }
  const context = sameServerTools(items);
  for (let i = 0; i < items.length; i++) {
    out(`${JSON.stringify(verdict(parsed.task, items[i]!, context[i]!, parsed.threshold))}\n`);
  }
  return 0;
}
