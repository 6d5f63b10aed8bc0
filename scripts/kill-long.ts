/**
 * Many SIGKILLs over train, predict and embed (the CI test does 3 + 1 + 1):
 *   npx tsx scripts/kill-long.ts [--kills N] [--epochs E] [--seed S] [--max-delay-ms M] [--predict-kills P] [--embed-kills M]
 *     [--scene-kills S] [--scene-size WxH]
 * Training: each kill is followed by the checks of test/robustness/kill-scenarios.ts (run.json parses,
 * checkpoints old-or-new complete, truncated copies rejected, a stale run-folder lock taken over); the run
 * is resumed until all kills are spent, then resumed to completion and checked for every epoch 1..E.
 * Predict: killed P times into one folder; after each kill every GeoTIFF there is complete and the folder
 * has no completion marker; a last run completes and its marker vouches for every mask.
 * Embed (needs ../shared's tiny Clay v0): killed M times into one cache; a last run fails no chip.
 * Scene (needs ../shared's Sen1Floods11 chips for the mosaic): `predict --scene` on an odd-sized mosaic of real chips
 * with 2 workers, polygons and probabilities, killed S times into one folder; after each kill the folder has no
 * completion marker and every GeoTIFF in it decodes; a last run completes and its mask equals, pixel for pixel,
 * the mask of an uninterrupted run into a fresh folder.
 * Prints one JSON summary line `KILL-JSON {…}` (kills per phase, runs lost).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCompletedOutputs } from '../src-main/engine/fs/completion.ts';
import { sharedFixture } from '../test/helpers/shared.ts';
import { buildChipMosaic } from '../test/helpers/scene-mosaic.ts';
import {
  checkGeoTiffsComplete,
  demoData,
  runAndKill,
  runToEnd,
  scratchDir,
  seededRandom,
  trainUnderKills,
  WORK_STARTED,
} from '../test/robustness/kill-scenarios.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '30' },
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string' },
    'max-delay-ms': { type: 'string', default: '8000' },
    'predict-kills': { type: 'string', default: '0' },
    'embed-kills': { type: 'string', default: '0' },
    'scene-kills': { type: 'string', default: '0' },
    'scene-size': { type: 'string', default: '1537x1029' },
  },
});
const sameBytes = (a: string, b: string) => existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const epochs = Number(values.epochs);
const root = scratchDir('long');
const summary = {
  seed,
  train: { kills: 0, lost: 0 },
  predict: { kills: 0, lost: 0 },
  embed: { kills: 0, lost: 0 },
  scene: { kills: 0, lost: 0 },
};
console.log(
  `kill-long: seed ${seed}, ${values.kills} training kills over ${epochs} epochs, ${values['predict-kills']} predict kills, ${values['embed-kills']} embed kills, ${values['scene-kills']} scene kills in ${root}`,
);
let ok = true;
try {
  const runDir = join(root, 'run');
  const report = await trainUnderKills(runDir, {
    seed,
    kills: Number(values.kills),
    epochs,
    minDelayMs: 0,
    maxDelayMs: Number(values['max-delay-ms']),
    log: console.log,
  });
  const epochsSeen = report.final.epochs.map((e) => e.epoch);
  const complete = report.final.status === 'completed' && epochsSeen.join() === [...Array(epochs).keys()].map((i) => i + 1).join();
  summary.train = { kills: report.kills, lost: complete ? 0 : 1 };
  ok &&= complete;
  console.log(
    `train: ${report.kills} kills survived (${report.exitedBeforeKill} runs finished before their kill), ${report.changedFiles} checkpoint replacements, ${report.tempFilesSeen} temp files ignored; final status ${report.final.status}, epochs ${epochsSeen.join(',')}`,
  );

  const random = seededRandom(seed + 1);
  const out = join(root, 'masks');
  const predictArgs = ['predict', '--run', runDir, '--data', demoData, '--out', out, '--probabilities'];
  for (let i = 0; i < Number(values['predict-kills']); i++) {
    const killed = await runAndKill(predictArgs, random() * 3_000, WORK_STARTED);
    const tiffs = await checkGeoTiffsComplete(out); // throws on a partial GeoTIFF
    const marker = await readCompletedOutputs(out);
    if (killed.killed) {
      summary.predict.kills++;
      if (marker.complete) throw new Error(`predict killed after ${killed.millis.toFixed(0)} ms left a completion marker`);
    }
    console.log(
      `predict ${i + 1}: ${killed.killed ? 'killed' : 'finished first'} after ${killed.millis.toFixed(0)} ms; ${tiffs.complete} complete GeoTIFFs, marker ${marker.complete ? 'complete' : 'absent/incomplete'}`,
    );
  }
  if (Number(values['predict-kills']) > 0) {
    const final = await runToEnd(predictArgs);
    const marker = await readCompletedOutputs(out);
    const tiffs = await checkGeoTiffsComplete(out);
    if (final.code !== 0 || !marker.complete || marker.files.length !== tiffs.complete) summary.predict.lost = 1;
    ok &&= summary.predict.lost === 0;
    console.log(`predict: final run exit ${final.code}, marker vouches for ${marker.files.length} of ${tiffs.complete} GeoTIFFs`);
  }

  const encoder = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
  if (Number(values['embed-kills']) > 0 && existsSync(encoder)) {
    const cache = join(root, 'cache');
    const embedArgs = ['embed', '--encoder', encoder, '--data', demoData, '--out', cache];
    for (let i = 0; i < Number(values['embed-kills']); i++) {
      const killed = await runAndKill(embedArgs, random() * 1_500, WORK_STARTED);
      if (killed.killed) summary.embed.kills++;
      console.log(`embed ${i + 1}: ${killed.killed ? 'killed' : 'finished first'} after ${killed.millis.toFixed(0)} ms`);
    }
    const final = await runToEnd([...embedArgs, '--json']);
    const result = final.code === 0 ? (JSON.parse(final.stdout) as { computed: unknown[]; reused: unknown[]; failed: unknown[] }) : null;
    if (!result || result.failed.length > 0) summary.embed.lost = 1;
    ok &&= summary.embed.lost === 0;
    console.log(
      `embed: final run exit ${final.code}, computed ${result?.computed.length}, reused ${result?.reused.length}, failed ${result?.failed.length}`,
    );
  }

  const sceneKills = Number(values['scene-kills']);
  if (sceneKills > 0) {
    const [width, height] = values['scene-size']!.split('x').map(Number);
    const scene = join(root, `mosaic-${width}x${height}.tif`);
    buildChipMosaic(scene, { width, height });
    const sceneArgs = (out: string) => [
      'predict',
      '--run',
      runDir,
      '--scene',
      scene,
      '--out',
      out,
      '--workers',
      '2',
      '--probabilities',
      '--vector',
      'gpkg,geojson',
    ];
    const reference = await runToEnd(sceneArgs(join(root, 'scene-reference')), 1_800_000);
    if (reference.code !== 0) throw new Error(`the uninterrupted scene run failed (${reference.code}):\n${reference.stderr.slice(-2000)}`);
    const out = join(root, 'scene');
    for (let i = 0; i < sceneKills; i++) {
      // Kill anywhere from start-up to the end of a run (about what the reference took).
      const killed = await runAndKill(sceneArgs(out), random() * reference.millis);
      const tiffs = await checkGeoTiffsComplete(out); // throws on a partial GeoTIFF
      const marker = await readCompletedOutputs(out);
      if (killed.killed) {
        summary.scene.kills++;
        if (marker.complete) throw new Error(`predict --scene killed after ${killed.millis.toFixed(0)} ms left a completion marker`);
      }
      console.log(
        `scene ${i + 1}: ${killed.killed ? 'killed' : 'finished first'} after ${killed.millis.toFixed(0)} ms; ${tiffs.complete} complete GeoTIFFs, ${tiffs.temp} temp files, marker ${marker.complete ? 'complete' : 'absent/incomplete'}`,
      );
    }
    const final = await runToEnd(sceneArgs(out), 1_800_000);
    const marker = await readCompletedOutputs(out);
    const stem = basename(scene, '.tif');
    const same =
      final.code === 0 && marker.complete && sameBytes(join(out, `${stem}_mask.tif`), join(root, 'scene-reference', `${stem}_mask.tif`));
    if (!same) summary.scene.lost = 1;
    ok &&= same;
    console.log(
      `scene: final run exit ${final.code}, marker ${marker.complete ? 'complete' : 'absent'}, mask ${same ? 'identical to' : 'DIFFERS from'} the uninterrupted run's`,
    );
  }
} catch (error) {
  console.error((error as Error).message);
  ok = false;
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`KILL-JSON ${JSON.stringify(summary)}`);
process.exitCode = ok ? 0 : 1;
