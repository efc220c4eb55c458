// `npm run eval`: every registered detection task scored on the labelled development set
// (../shared/data/detection), printed as tables; `--json FILE` also writes the numbers.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TASKS } from '../../src/detect/tasks/index.ts';
import { loadItems } from './datasets.ts';
import { evaluateTask, type TaskReport } from './evaluate.ts';
import { renderReport } from './report.ts';

const { values } = parseArgs({
  options: { json: { type: 'string' }, task: { type: 'string', multiple: true } },
});
const reports: TaskReport[] = [];
for (const task of Object.values(TASKS)) {
  if (!task || (values.task && !values.task.includes(task.name))) continue;
  const report = evaluateTask(task, loadItems(task.name));
  reports.push(report);
  process.stdout.write(renderReport(report));
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(reports, null, 2)}\n`);
