// Where the demo server's entry file is, for configs that spawn it (`rampart serve` without a config, tests).
import { fileURLToPath } from 'node:url';

/** Absolute path of the demo server's main .ts file. */
export const DEMO_SERVER_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
