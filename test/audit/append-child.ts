// Child process of the crash test: appends under a bounded load (`concurrency` callers, at most `max` events or
// `seconds`), printing "seq hash" for every acknowledged append. stdout to a pipe is synchronous on Linux, so a
// line printed is a line the parent can read even if this process is killed right after.
import { openAuditLog } from '../../src/audit/open.ts';
import { sampleEvent } from './helpers.ts';

const [stateDir, maxArg = '5000', concurrencyArg = '8', secondsArg = '20'] = process.argv.slice(2);
const max = Number(maxArg);
const deadline = Date.now() + Number(secondsArg) * 1000;
const log = await openAuditLog(stateDir!, { checkpoints: { every: 50, intervalMs: 200 } });
process.stdout.write('ready\n');
let next = 0;
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    while (next < max && Date.now() < deadline) {
      const r = await log.append(sampleEvent(next++));
      if (r.status === 'committed') process.stdout.write(`${r.seq} ${r.hash}\n`);
    }
  }),
);
await log.close();
process.stdout.write('done\n');
