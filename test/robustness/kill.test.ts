/**
 * SIGKILL the CLI mid-run (seeded random moments) during training, prediction and embedding: the run
 * reopens, checkpoints are old-or-new complete files, truncated files are rejected, resume finishes.
 * CI budget: 3 kills in training + 1 in predict + 1 in embed; `npx tsx scripts/kill-long.ts` does many.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCompletedOutputs } from '../../src-main/engine/fs/completion.ts';
import { readLastCheckpoint } from '../../src-main/engine/run/checkpoint-file.ts';
import { hasShared, sharedFixture } from '../helpers/shared.ts';
import {
  checkGeoTiffsComplete,
  demoData,
  midWork,
  runAndKill,
  runToEnd,
  scratchDir,
  seededRandom,
  trainUnderKills,
} from './kill-scenarios.ts';

const SEED = 6_001;
const EPOCHS = 3;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('nothing is lost under SIGKILL', () => {
  let trainedRun: string | null = null;

  it('training killed 3 times at random points resumes from its last checkpoint and completes every epoch', async () => {
    const root = scratchDir('train');
    dirs.push(root);
    const runDir = join(root, 'run');
    const report = await trainUnderKills(runDir, {
      seed: SEED,
      kills: 3,
      epochs: EPOCHS,
      minDelayMs: 0,
      maxDelayMs: 4_000,
      log: console.log,
    });
    console.log(
      `train: ${report.kills} kills survived (${report.resumes} resumed, ${report.freshStarts} fresh starts), ${report.changedFiles} checkpoint replacements seen, ${report.tempFilesSeen} leftover temp files ignored`,
    );
    expect(report.kills).toBeGreaterThanOrEqual(2);
    expect(report.changedFiles, 'kills must land after checkpoints were written').toBeGreaterThan(0);
    expect(report.final.status).toBe('completed');
    // no epoch lost or duplicated across kills
    expect(report.final.epochs.map((e) => e.epoch)).toEqual([...Array(EPOCHS).keys()].map((i) => i + 1));
    const last = await readLastCheckpoint(join(runDir, 'checkpoints/last.flck'));
    expect(last.meta.epoch).toBe(EPOCHS);
    expect(report.final.best?.epoch).toBeGreaterThanOrEqual(1);
    trainedRun = runDir;
  }, 400_000);

  it('predict killed mid-export leaves only complete GeoTIFFs, and a re-run writes them all', async () => {
    expect(trainedRun).not.toBeNull();
    const out = join(scratchDir('predict'), 'masks');
    dirs.push(out);
    const args = ['predict', '--run', trainedRun!, '--data', demoData, '--out', out, '--probabilities'];
    const random = seededRandom(SEED + 1);
    // armed on a step that is not the last, the kill lands while predict is still exporting
    const killed = await runAndKill(args, random() * 100, midWork);
    const afterKill = await checkGeoTiffsComplete(out);
    // a killed predict has no completion marker: nothing in the folder reads as a finished output
    if (killed.killed) expect((await readCompletedOutputs(out)).complete).toBe(false);
    console.log(
      `predict: ${killed.killed ? 'killed' : 'finished first'} after ${killed.millis.toFixed(0)} ms with ${afterKill.complete} complete GeoTIFFs, ${afterKill.temp} temp files`,
    );
    expect(killed.killed, `the kill must land before predict finishes (exit code ${killed.code})`).toBe(true);
    const rerun = await runToEnd(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    const final = await checkGeoTiffsComplete(out);
    expect(final.complete).toBeGreaterThanOrEqual(afterKill.complete);
    expect(final.complete).toBeGreaterThan(0);
    const completed = await readCompletedOutputs(out);
    expect(completed.complete, completed.problems.join('; ')).toBe(true);
    expect(completed.files.length).toBe(final.complete);
  }, 400_000);

  const encoder = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
  it.skipIf(!hasShared || !existsSync(encoder))(
    'embed killed mid-cache resumes: the re-run reuses what was written and fails nothing',
    async () => {
      const out = join(scratchDir('embed'), 'cache');
      dirs.push(out);
      const args = ['embed', '--encoder', encoder, '--data', demoData, '--out', out, '--json'];
      const random = seededRandom(SEED + 2);
      // without --json the CLI prints progress, which arms the kill
      const killed = await runAndKill(args.slice(0, -1), random() * 100, midWork);
      expect(killed.killed, `the kill must land before embed finishes (exit code ${killed.code})`).toBe(true);
      const rerun = await runToEnd(args);
      expect(rerun.code, rerun.stderr.slice(-2000)).toBe(0);
      const result = JSON.parse(rerun.stdout) as { computed: unknown[]; reused: unknown[]; failed: unknown[] };
      console.log(
        `embed: ${killed.killed ? 'killed' : 'finished first'} after ${killed.millis.toFixed(0)} ms; re-run computed ${result.computed.length}, reused ${result.reused.length}, failed ${result.failed.length}`,
      );
      expect(result.failed).toEqual([]);
      // a third run finds everything cached and intact
      const again = JSON.parse((await runToEnd(args)).stdout) as { computed: unknown[]; reused: unknown[] };
      expect(again.computed).toEqual([]);
      expect(again.reused.length).toBe(result.computed.length + result.reused.length);
    },
    120_000,
  );
});
