// `rampart policy validate|test|explain`: check the Cedar policy files against the MCP schema (every problem with
// file, line and column), run table-driven expectations, and show which policies decided a logged request.
// Exit codes: 0 fine, 1 invalid policies / a failed expectation / nothing found, 2 usage problems.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseLeaf } from '../audit/chain.ts';
import { openAuditStore } from '../audit/open.ts';
import { AUDIT_DB_FILE } from '../audit/sqlite-schema.ts';
import { loadConfigFile } from '../config/load.ts';
import { isObject } from '../core/jsonrpc.ts';
import { createLogger } from '../monitor/logger.ts';
import { argumentsTypeOf } from '../policy/arguments.ts';
import {
  formatProblem,
  loadPolicyFiles,
  PolicyLoadError,
  type PolicySetSource,
} from '../policy/policy-files.ts';
import { PolicyTestError, readPolicyTest, runPolicyTest } from '../policy/policy-test.ts';

export const POLICY_USAGE = `Usage: rampart policy <command> [options]

  validate [--config FILE | FILE.cedar ...] [--tools TOOLS.json]
        check the policy files against Rampart's Cedar schema for MCP; --tools (a tools/list result or an array
        of tool definitions) types context.arguments from their input schemas, as the gateway does
  test TESTS.yaml [--config FILE]
        run table-driven expectations (principal, action, resource, context -> allow | deny | approval);
        the file's \`policies\` list, else the config's policy files
  explain ID [--config FILE] [--json]
        show which policies decided a logged request: ID is an audit event id or a JSON-RPC request id
`;

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs `rampart policy` with its arguments; resolves to the exit code. */
export async function policyCommand(args: string[], io?: Partial<Io>): Promise<number> {
  const out = io?.out ?? ((text: string) => process.stdout.write(text));
  const err = io?.err ?? ((text: string) => process.stderr.write(text));
  const usage = (message: string) => {
    err(`rampart policy: ${message}\n${POLICY_USAGE}`);
    return 2;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    out(POLICY_USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  switch (command) {
    case 'validate':
      return validate(rest, values.config, values.tools, { out, err });
    case 'test':
      if (rest.length !== 1) return usage('test takes one file');
      return test(rest[0]!, values.config, { out, err });
    case 'explain':
      if (rest.length !== 1) return usage('explain takes one id');
      return explain(rest[0]!, values.config, values.json === true, { out, err });
    default:
      return usage(`unknown command "${command}"`);
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      tools: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The config's policy files, or undefined (with a message) when it names none. */
function configPolicyFiles(configPath: string | undefined, io: Io): string[] | undefined {
  if (!configPath) {
    io.err('rampart policy: name the policy files or --config FILE\n');
    return undefined;
  }
  const config = loadConfigFile(configPath);
  if (!config.policy) {
    io.err(`rampart policy: ${configPath} has no \`policy\` section (every routed call is allowed)\n`);
    return undefined;
  }
  return config.policy.files;
}

function validate(
  files: string[],
  configPath: string | undefined,
  toolsFile: string | undefined,
  io: Io,
): number {
  const policyFiles =
    files.length > 0 ? files.map((f) => path.resolve(f)) : configPolicyFiles(configPath, io);
  if (!policyFiles) return 1;
  let argumentsType: string | undefined;
  if (toolsFile) {
    const typed = argumentsTypeOf(toolDefinitions(toolsFile).map((t) => t['inputSchema']));
    argumentsType = typed.type;
    for (const name of typed.conflicts)
      io.err(`warning: tools declare argument "${name}" with different types\n`);
  }
  let source: PolicySetSource;
  try {
    source = loadPolicyFiles(policyFiles, argumentsType === undefined ? {} : { argumentsType });
  } catch (e) {
    if (!(e instanceof PolicyLoadError)) throw e;
    for (const problem of e.problems) io.err(`error: ${formatProblem(problem)}\n`);
    io.err(`${e.problems.length} error(s); the policies were not loaded\n`);
    return 1;
  }
  for (const warning of source.warnings) io.err(`warning: ${formatProblem(warning)}\n`);
  if (argumentsType === undefined && source.policies.some((p) => p.text.includes('context.arguments'))) {
    io.err(
      'note: without --tools, context.arguments is untyped: argument reads are checked once tools are listed\n',
    );
  }
  io.out(
    `ok: ${source.policies.length} policies in ${policyFiles.length} file(s), sha256 ${source.digest}\n`,
  );
  return 0;
}

/** Tool definitions from a tools/list result (`{tools: [...]}`), a JSON-RPC answer or a plain array. */
function toolDefinitions(file: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const list = Array.isArray(parsed)
    ? parsed
    : isObject(parsed) && isObject(parsed['result']) && Array.isArray(parsed['result']['tools'])
      ? parsed['result']['tools']
      : isObject(parsed) && Array.isArray(parsed['tools'])
        ? parsed['tools']
        : [];
  return list.filter(isObject);
}

function test(file: string, configPath: string | undefined, io: Io): number {
  let table: ReturnType<typeof readPolicyTest>;
  try {
    table = readPolicyTest(file);
  } catch (e) {
    if (!(e instanceof PolicyTestError)) throw e;
    io.err(`${e.message}\n`);
    return 2;
  }
  const policyFiles = table.policies ?? configPolicyFiles(configPath, io);
  if (!policyFiles) return 1;
  let results: ReturnType<typeof runPolicyTest>;
  try {
    results = runPolicyTest(table, policyFiles, createLogger('silent'));
  } catch (e) {
    if (e instanceof PolicyLoadError) {
      for (const problem of e.problems) io.err(`error: ${formatProblem(problem)}\n`);
      return 1;
    }
    if (e instanceof PolicyTestError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let failed = 0;
  for (const r of results) {
    if (r.ok) {
      io.out(`ok    ${r.name}: ${r.actual}${r.policies.length ? ` (${r.policies.join(', ')})` : ''}\n`);
      continue;
    }
    failed++;
    const expectedPolicies = r.expectedPolicies ? ` by [${r.expectedPolicies.join(', ')}]` : '';
    io.out(
      `FAIL  ${r.name}: expected ${r.expected}${expectedPolicies}, got ${r.actual} by [${r.policies.join(', ')}]` +
        `${r.reason ? ` (${r.reason})` : ''}\n`,
    );
  }
  io.out(`${results.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

async function explain(id: string, configPath: string | undefined, json: boolean, io: Io): Promise<number> {
  if (!configPath) {
    io.err('rampart policy explain: --config FILE is required (its state directory holds the audit log)\n');
    return 2;
  }
  const config = loadConfigFile(configPath);
  if (!existsSync(path.join(config.stateDir, AUDIT_DB_FILE))) {
    io.err(`rampart policy explain: no audit log in ${config.stateDir}\n`);
    return 1;
  }
  const events = await findEvents(config.stateDir, id);
  if (events.length === 0) {
    io.err(`rampart policy explain: no logged request with id ${id}\n`);
    return 1;
  }
  let current: PolicySetSource | undefined;
  if (config.policy) {
    try {
      current = loadPolicyFiles(config.policy.files);
    } catch (e) {
      if (!(e instanceof PolicyLoadError)) throw e;
      io.err('warning: the current policy files do not load; policy texts cannot be shown\n');
    }
  }
  for (const event of events) {
    const explained = explainEvent(event, current);
    io.out(json ? `${JSON.stringify(explained)}\n` : render(explained));
  }
  return 0;
}

interface Explained {
  readonly eventId: string;
  readonly time: string;
  readonly requestId: string | null;
  readonly principal: unknown;
  readonly method: string | null;
  readonly name: string | null;
  readonly decision: string;
  readonly code: string | null;
  readonly policyDigest: string | null;
  readonly policiesChangedSince: boolean | null;
  readonly rules: readonly { rule: string; policy?: { file: string; line: number; text: string } | null }[];
}

function explainEvent(event: Record<string, unknown>, current: PolicySetSource | undefined): Explained {
  const detail = isObject(event['detail']) ? event['detail'] : {};
  const policy = isObject(detail['policy']) ? detail['policy'] : undefined;
  const digest =
    typeof policy?.['digest'] === 'string'
      ? policy['digest']
      : typeof detail['policyDigest'] === 'string'
        ? detail['policyDigest']
        : null;
  const ruleIds = Array.isArray(event['ruleIds']) ? event['ruleIds'].map(String) : [];
  const byId = new Map(current?.policies.map((p) => [p.id, p]));
  return {
    eventId: String(event['id'] ?? ''),
    time: String(event['time'] ?? ''),
    requestId: typeof event['requestId'] === 'string' ? event['requestId'] : null,
    principal: event['principal'] ?? null,
    method: typeof event['method'] === 'string' ? event['method'] : null,
    name: typeof event['name'] === 'string' ? event['name'] : null,
    decision: String(event['decision'] ?? ''),
    code: typeof event['code'] === 'string' ? event['code'] : null,
    policyDigest: digest,
    policiesChangedSince: digest && current ? digest !== current.digest : null,
    rules: ruleIds.map((rule) => {
      if (!rule.startsWith('policy:') || rule === 'policy:default-deny') return { rule };
      const found = byId.get(rule.slice('policy:'.length));
      return { rule, policy: found ? { file: found.file, line: found.line, text: found.text } : null };
    }),
  };
}

function render(e: Explained): string {
  const principal = isObject(e.principal)
    ? `${e.principal['subject']} (${e.principal['issuer']})`
    : 'anonymous';
  const lines = [
    `event ${e.eventId} at ${e.time}: ${e.method ?? ''} ${e.name ?? ''} by ${principal}`,
    `  decision: ${e.decision}${e.code ? ` (${e.code})` : ''}`,
  ];
  if (e.policyDigest) {
    lines.push(
      `  policy set: sha256 ${e.policyDigest}${e.policiesChangedSince ? ' (the policy files have changed since; texts below are current)' : ''}`,
    );
  }
  if (e.rules.length === 0)
    lines.push('  no policy decided (authorization is off, or the request was refused earlier)');
  for (const r of e.rules) {
    if (r.rule === 'policy:default-deny') {
      lines.push('  policy:default-deny: no policy permitted it (Cedar denies by default)');
    } else if (r.policy) {
      lines.push(`  ${r.rule} at ${r.policy.file}:${r.policy.line}`);
      for (const text of r.policy.text.split('\n')) lines.push(`      ${text}`);
    } else if (r.policy === null) {
      lines.push(`  ${r.rule} (no longer in the policy files)`);
    } else {
      lines.push(`  ${r.rule}`);
    }
  }
  return `${lines.join('\n')}\n\n`;
}

/** Audit events whose event id or JSON-RPC request id is `id`, oldest first (at most 20, the newest). */
async function findEvents(stateDir: string, id: string): Promise<Record<string, unknown>[]> {
  const store = openAuditStore(stateDir);
  const needle = JSON.stringify(id);
  try {
    return await store.read(async (reader) => {
      const found: Record<string, unknown>[] = [];
      for await (const entry of reader.entries()) {
        if (!entry.leaf.includes(needle)) continue;
        const event = parseLeaf(entry.leaf)?.event;
        if (!event || (event['id'] !== id && event['requestId'] !== id)) continue;
        found.push(event);
        if (found.length > 40) found.splice(0, 20);
      }
      return found.slice(-20);
    });
  } finally {
    await store.close();
  }
}
