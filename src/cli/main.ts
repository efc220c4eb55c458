// The `rampart` command line.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.ts';
import { renderConfigReference } from '../config/docs.ts';
import { writeStarterConfig } from '../config/starter.ts';
import { alertsCommand } from './alerts.ts';
import { approvalsCommand } from './approvals.ts';
import { auditCommand } from './audit.ts';
import { configCommand } from './config-versions.ts';
import { detectCommand } from './detect.ts';
import { manifestCommand } from './manifest.ts';
import { policyCommand } from './policy.ts';
import { reviewCommand } from './review.ts';
import { revoke } from './revoke.ts';
import { scanCommand } from './scan.ts';
import { secretsCommand } from './secrets.ts';
import { serve } from './serve.ts';
import { serverCommand } from './server-add.ts';
import { stdio } from './stdio.ts';
import { toolsCommand } from './tools.ts';

const USAGE = `Usage: rampart <command> [options]

Commands:
  serve [--config FILE]      run the gateway (no config: an embedded demo on 127.0.0.1:8787)
  stdio --config FILE        serve one MCP client over stdin/stdout
  init [--force]             write a commented starter rampart.yaml
  revoke --config FILE (--jti ID | --issuer URL --subject SUB)
                             refuse one token, or every token of a subject, from now on
  docs config                print the configuration reference (docs/configuration.md)
  audit verify|proof|export|show|erase|purge [--config FILE]
                             check, prove, export or read the tamper-evident audit log; erase a subject's payloads
  policy validate|test|explain [--config FILE]
                             check Cedar policy files, run table-driven policy tests, explain a logged decision
  alerts [--config FILE] [--since T] [--severity S] [--rule R] [--json] [--limit N]
                             list the anomaly alerts recorded in the audit log, newest first
  approvals list|approve|deny [ID] [--config FILE] [--json] [--all] [--reason TEXT] [--approver NAME]
                             list the calls held for human approval, or approve or deny one
  config history|diff|rollback|propose|approve|reject [N] [--config FILE]
                             configuration versions: history, diffs, rollback, the two-person rule
  review [history|show ID] [--config FILE] [--unused-days N] [--approval-age-days M] [--json] [--patch FILE]
                             review permissions: unused grants, uncalled tools, old approvals (exit 1 on findings)
  scan [FILE...] [--json|--sarif] [--no-sandbox] [--allow-network]
                             find the MCP servers of this machine's clients, start them sandboxed, run the detectors
  tools pending|diff|approve|reject|pins [--config FILE]
                             review tool, prompt and server changes held by the integrity quarantine
  manifest build|sign|verify|keygen
                             build, sign (Ed25519) or verify (Ed25519 or Sigstore) a server's signed tool manifest
  secrets set|list|rotate|rm|keygen [NAME] [--config FILE] [--canary] [--from-env VAR]
                             the credential vault: secrets encrypted at rest and canary tokens (values via stdin)
  server add npm:<name>@<version> [--config FILE] [--name NAME] [--bin BIN]
                             verify and cache an npm package, and add it as a pinned \`package\` server
  detect tools|outputs|changes FILE.jsonl [--threshold X]
                             score tool definitions, outputs or changes with the threat detectors (JSONL out)
`;

async function main(argv: string[]): Promise<number> {
  // `audit`, `alerts` and `approvals` parse their own options (--file, --out, --since, ...).
  if (argv[0] === 'audit') return auditCommand(argv.slice(1), undefined);
  if (argv[0] === 'alerts') return alertsCommand(argv.slice(1));
  if (argv[0] === 'policy') return policyCommand(argv.slice(1));
  if (argv[0] === 'approvals') return approvalsCommand(argv.slice(1));
  if (argv[0] === 'config') return configCommand(argv.slice(1));
  if (argv[0] === 'review') return reviewCommand(argv.slice(1));
  if (argv[0] === 'tools') return toolsCommand(argv.slice(1));
  if (argv[0] === 'scan') return scanCommand(argv.slice(1));
  if (argv[0] === 'manifest') return manifestCommand(argv.slice(1));
  if (argv[0] === 'server') return serverCommand(argv.slice(1));
  if (argv[0] === 'secrets') return secretsCommand(argv.slice(1));
  if (argv[0] === 'detect') return detectCommand(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      jti: { type: 'string' },
      issuer: { type: 'string' },
      subject: { type: 'string' },
    },
  });
  const [command, sub] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  switch (command) {
    case 'serve':
      return serve(values.config);
    case 'stdio':
      if (!values.config) {
        process.stderr.write('rampart stdio: --config FILE is required\n');
        return 2;
      }
      return stdio(values.config);
    case 'revoke':
      if (!values.config) {
        process.stderr.write('rampart revoke: --config FILE is required\n');
        return 2;
      }
      return revoke(values.config, { jti: values.jti, issuer: values.issuer, subject: values.subject });
    case 'init': {
      const written = writeStarterConfig('rampart.yaml', { force: values.force });
      process.stdout.write(
        written ? 'wrote rampart.yaml\n' : 'rampart.yaml exists; use --force to overwrite\n',
      );
      return written ? 0 : 1;
    }
    case 'docs':
      if (sub === 'config') {
        process.stdout.write(renderConfigReference());
        return 0;
      }
      break;
  }
  process.stderr.write(`rampart: unknown command "${[command, sub].filter(Boolean).join(' ')}"\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`rampart: invalid configuration\n${err.message}\n`);
    else process.stderr.write(`rampart: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
