// Rampart without its audit log: the baseline row `rampart-noaudit`, so that the `rampart` row minus this one is
// what the audit log costs per call. Only the bench starts this; no config key or CLI flag of Rampart turns the
// audit off.
//
//   node bench/servers/rampart-unaudited.ts --config FILE
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../src/config/load.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import { Rampart } from '../../src/runtime.ts';

const { values } = parseArgs({ options: { config: { type: 'string' } } });
if (!values.config) throw new Error('--config FILE is required');
const config = loadConfigFile(values.config);
const rampart = new Rampart(config, {
  baseDir: path.dirname(path.resolve(values.config)),
  log: createLogger(config.log.level),
  unaudited: true,
});
process.stdout.write(`Rampart (unaudited, bench baseline) is listening on ${await rampart.start()}\n`);
const stop = () => void rampart.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
