// `rampart stdio`: one local client over stdin/stdout, for clients that can only launch commands.
import path from 'node:path';
import { loadConfigFile } from '../config/load.ts';
import { StdioIngress } from '../ingress/stdio-ingress.ts';
import { createLogger } from '../monitor/logger.ts';
import { Rampart } from '../runtime.ts';

export async function stdio(configPath: string): Promise<number> {
  const config = loadConfigFile(configPath);
  const log = createLogger(config.log.level);
  const rampart = new Rampart(config, {
    baseDir: path.dirname(path.resolve(configPath)),
    log,
    listen: false,
    configFile: configPath,
  });
  await rampart.start();
  const ingress = new StdioIngress(
    rampart.gateway,
    rampart.pipeline,
    process.stdin,
    process.stdout,
    log,
    rampart.listeners,
  );
  await ingress.run();
  await rampart.stop();
  return 0;
}
