import { existsSync } from 'node:fs';
import type { ChipInfo } from '../../api/dataset.ts';
import type { RunRecord } from '../../api/run.ts';
import { initBackend } from '../compute/backend.ts';
import { modelTensors, readCheckpoint } from './checkpoint-file.ts';
import { createNet, type NetShape } from '../models/net-factory.ts';
import { openTrainingSource } from '../inputs/open-source.ts';
import { pixelSource, usesEmbeddings } from '../inputs/training-source.ts';
import { CanonicalBandSchema } from '../../api/dataset.ts';
import { RunFiles } from './run-files.ts';
import { readRunRecord } from './run-record.ts';
import type { SequentialNet } from '../models/sequential-net.ts';
import type { TrainingSource } from '../inputs/training-source.ts';
import type { JobContext } from '../compute/job-context.ts';
import { netPredictor, type ChipPredictor } from './predict-chip.ts';
import { otsuPredictor, otsuSource } from './otsu-predictor.ts';

export type CheckpointChoice = 'best' | 'last';

export interface TrainedRun {
  files: RunFiles;
  record: RunRecord;
  /** The trained net; null for baselines (`otsu`), which fit nothing. */
  net: SequentialNet | null;
  /** Predicts a chip from `source`'s samples; dispose it when done (it disposes the net). */
  predictor: ChipPredictor;
  source: TrainingSource;
  checkpoint: { which: CheckpointChoice; epoch: number | null };
}

export interface OpenTrainedRunOptions {
  /** Progress (phase `embed`) and cancel while chips the run's encoder has not embedded yet are embedded. */
  context?: JobContext;
}

/**
 * A finished (or interrupted) run ready to predict: its record, its net with the chosen checkpoint's
 * weights, and its input source over `chips` (the same bands or embeddings it trained on).
 */
export async function openTrainedRun(
  runDir: string,
  chips: readonly ChipInfo[],
  which: CheckpointChoice = 'best',
  options: OpenTrainedRunOptions = {},
): Promise<TrainedRun> {
  const files = new RunFiles(runDir);
  const record = await readRunRecord(runDir);
  if (record.model.kind === 'otsu') {
    const band = record.baseline?.band ?? record.config.otsuBand;
    return { files, record, net: null, predictor: otsuPredictor(), source: otsuSource(band), checkpoint: { which, epoch: null } };
  }
  checkpointPath(runDir, which); // a missing checkpoint is reported before any embedding work
  await initBackend();
  // The run's own inputs, whatever this data holds: a band the chips lack is 0 after normalisation.
  const source = usesEmbeddings(record.model.kind)
    ? (await openTrainingSource(record.config, chips, [], null, { runDir, context: options.context })).source
    : pixelSource(
        record.data.inputBands.map((band) => CanonicalBandSchema.parse(band)),
        record.data.normalisation ?? { kind: 'clay-v0' },
      );
  const probe = chips[0] ? await source.load(chips[0]) : null;
  const { net, epoch } = await loadRunNet(runDir, record, which, {
    inputGrid: probe ? [probe.inputHeight, probe.inputWidth] : null,
    outputSize: probe ? [probe.height, probe.width] : null,
  });
  return { files, record, net, predictor: netPredictor(net, record.config.threshold), source, checkpoint: { which, epoch } };
}

function checkpointPath(runDir: string, which: CheckpointChoice): string {
  const files = new RunFiles(runDir);
  const path = which === 'best' ? files.bestCheckpoint : files.lastCheckpoint;
  if (!existsSync(path)) throw new Error(`${runDir} has no ${which} checkpoint yet (${path}): train at least one epoch`);
  return path;
}

/**
 * A run's net with a checkpoint's weights, built for inputs of `shape` (embedding heads take any grid:
 * their weights do not depend on it, only the upsampling factor output/grid does).
 */
export async function loadRunNet(
  runDir: string,
  record: RunRecord,
  which: CheckpointChoice,
  shape: Pick<NetShape, 'inputGrid' | 'outputSize'>,
): Promise<{ net: SequentialNet; epoch: number | null }> {
  await initBackend();
  const { tensors, meta } = await readCheckpoint(checkpointPath(runDir, which));
  const net = createNet(record.model.kind, { inputChannels: record.model.inputChannels, ...shape });
  net.loadStateDict(modelTensors(tensors));
  return { net, epoch: meta.epoch };
}
