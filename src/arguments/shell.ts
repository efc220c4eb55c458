// Command arguments: a value handed to a command line must be one plain argument. Shell metacharacters would
// chain or redirect commands if the tool ever builds a shell string; a leading `-` would be read as an option
// (`--upload-pack=...`, `-oProxyCommand=...`) even without a shell.
import { refuse, type Verdict } from './verdict.ts';

const METACHARACTERS = /[;|&$`<>()\n\r\0]/;

/** Vets one command-line argument. */
export function vetShellArgument(value: string): Verdict<string> {
  if (METACHARACTERS.test(value)) return refuse('the argument contains a shell metacharacter');
  if (value.trimStart().startsWith('-')) return refuse('the argument starts with - (option injection)');
  return { ok: true, value };
}
