/**
 * Many SIGKILLs during training (the CI test does 3):
 *   npx tsx scripts/kill-long.ts [--kills N] [--epochs E] [--seed S] [--max-delay-ms M]
 * Each kill is followed by the checks of test/robustness/kill-scenarios.ts (run.json parses, checkpoints
 * old-or-new complete, truncated copies rejected); the run is resumed until all kills are spent, then
 * resumed to completion and checked for every epoch 1..E.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scratchDir, trainUnderKills } from '../test/robustness/kill-scenarios.ts';

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '30' }, epochs: { type: 'string', default: '12' }, seed: { type: 'string' }, 'max-delay-ms': { type: 'string', default: '8000' } },
});
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const epochs = Number(values.epochs);
const root = scratchDir('long');
console.log(`kill-long: seed ${seed}, ${values.kills} kills over ${epochs} epochs in ${root}`);
try {
  const report = await trainUnderKills(join(root, 'run'), {
    seed,
    kills: Number(values.kills),
    epochs,
    minDelayMs: 0,
    maxDelayMs: Number(values['max-delay-ms']),
    log: console.log,
  });
  const epochsSeen = report.final.epochs.map((e) => e.epoch);
  const complete = report.final.status === 'completed' && epochsSeen.join() === [...Array(epochs).keys()].map((i) => i + 1).join();
  console.log(`${report.kills} kills survived (${report.exitedBeforeKill} runs finished before their kill), ${report.changedFiles} checkpoint replacements, ${report.tempFilesSeen} temp files ignored; final status ${report.final.status}, epochs ${epochsSeen.join(',')}`);
  process.exitCode = complete ? 0 : 1;
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
