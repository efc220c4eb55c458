// Shared by the change-control tests: a temporary project (config file, policy files, state directory) and a
// frozen clock.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../audit/helpers.ts';
import { NODE } from '../helpers/rampart.ts';

export { frozenClock } from '../audit/helpers.ts';

export const PERMIT_ALL = '@id("all")\npermit(principal, action, resource);\n';
export const FORBID_DELETE =
  '@id("no-delete")\nforbid(principal, action == Action::"call", resource) when { resource.name like "*delete*" };\n';

const SILENT = "process.stdin.on('end', () => process.exit(0)).resume()";

export interface Project {
  readonly dir: string;
  readonly config: string;
  readonly stateDir: string;
  readonly policy: string;
  /** Rewrites the config file; `extra` is appended YAML (e.g. the changeControl section). */
  writeConfig(extra?: string): void;
  writePolicy(text: string): void;
}

/** A config file naming one stdio upstream and one policy file. */
export function project(t: { after(fn: () => void): void }, extra = ''): Project {
  const dir = tempDir(t, 'rampart-changes-');
  mkdirSync(path.join(dir, 'policies'));
  const config = path.join(dir, 'rampart.yaml');
  const policy = path.join(dir, 'policies', 'main.cedar');
  const p: Project = {
    dir,
    config,
    stateDir: path.join(dir, 'state'),
    policy,
    writeConfig(more = '') {
      writeFileSync(
        config,
        [
          'stateDir: state',
          'listen: { host: 127.0.0.1, port: 0 }',
          'log: { level: silent }',
          'servers:',
          // An upstream that never answers: no tool list ever arrives to re-validate the policies meanwhile.
          `  - { name: fx, command: ${JSON.stringify(NODE)}, args: [-e, ${JSON.stringify(SILENT)}], sandbox: off }`,
          'policy:',
          '  files: [policies/main.cedar]',
          more,
        ].join('\n'),
      );
    },
    writePolicy(text: string) {
      writeFileSync(policy, text);
    },
  };
  p.writeConfig(extra);
  p.writePolicy(PERMIT_ALL);
  return p;
}

export const TWO_PERSON_RULE = 'changeControl: { twoPersonRule: true }\n';
