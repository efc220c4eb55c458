// What change control needs from a config file's text without validating it: the policy files it names, its
// state directory and whether it asks for the two-person rule. Read loosely on purpose: a version stored long
// ago, or a config someone just broke, must still be diffed and rolled back.
import { parseDocument } from 'yaml';

export interface LooseConfig {
  /** `policy.files` as written (relative to the config file's directory, or absolute). */
  readonly policyFiles: readonly string[];
  /** `stateDir` as written, `.rampart` when absent. */
  readonly stateDir: string;
  /** `changeControl.twoPersonRule` is exactly `true`. */
  readonly twoPersonRule: boolean;
}

/** The change-control facts of a config text; a text that is not YAML names no policy files and no rule. */
export function looseConfig(text: string): LooseConfig {
  let value: unknown;
  try {
    const doc = parseDocument(text, { prettyErrors: false });
    value = doc.errors.length > 0 ? undefined : doc.toJS();
  } catch {
    // Alias bombs and the like: nothing to read.
    value = undefined;
  }
  const root = record(value);
  const policy = record(root['policy']);
  const files = Array.isArray(policy['files'])
    ? policy['files'].filter((f): f is string => typeof f === 'string' && f !== '')
    : [];
  const stateDir =
    typeof root['stateDir'] === 'string' && root['stateDir'] !== '' ? root['stateDir'] : '.rampart';
  return {
    policyFiles: files,
    stateDir,
    twoPersonRule: record(root['changeControl'])['twoPersonRule'] === true,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
