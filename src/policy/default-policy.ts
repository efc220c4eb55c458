// Where Rampart's default policy set is: `policies/default.cedar` in the package (allow, plus the rules every
// deployment should keep, such as toxic-flow control). The demo runs it in place; `rampart init` copies it.
import path from 'node:path';

export const DEFAULT_POLICY_FILE = path.resolve(import.meta.dirname, '../../policies/default.cedar');
