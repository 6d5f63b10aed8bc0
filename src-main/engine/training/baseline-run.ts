/** `train --model otsu`: a baseline run fits nothing; it records its method and the same split a learned run would get. */
import type { ChipInfo } from '../../api/dataset.ts';
import { RunRecordSchema, type RunRecord, type TrainConfig } from '../../api/run.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import type { JobContext } from '../compute/job-context.ts';
import { evaluateChips } from '../run/evaluate-chips.ts';
import { otsuMethod, otsuPredictor, otsuSource } from '../run/otsu-predictor.ts';
import { engineVersions } from '../versions.ts';
import type { RunFiles } from '../run/run-files.ts';
import type { DatasetSplit } from './split.ts';

export interface BaselineRunInput {
  files: RunFiles;
  config: TrainConfig;
  chips: ChipInfo[];
  fingerprint: string;
  split: DatasetSplit;
  val: ChipInfo[];
  tfjsVersion: string;
}

/** Writes run.json for a baseline, with its validation scores as "epoch 1" so run cards read like any run's. */
export async function createBaselineRun(input: BaselineRunInput, context: JobContext): Promise<RunRecord> {
  const { files, config } = input;
  const started = performance.now();
  const method = otsuMethod(config.otsuBand);
  const source = otsuSource(config.otsuBand);
  context.log(`baseline: ${method.rule}`);
  const evaluation = input.val.length > 0 ? await evaluateChips(otsuPredictor(), source, input.val, context) : null;
  const seconds = (performance.now() - started) / 1000;
  const now = new Date().toISOString();
  const record: RunRecord = {
    formatVersion: 1,
    id: files.runId,
    status: 'completed',
    createdAt: now,
    updatedAt: now,
    config,
    data: {
      dir: config.dataDir,
      fingerprint: input.fingerprint,
      chips: input.chips.length,
      inputBands: [config.otsuBand],
      normalisation: null,
      split: input.split,
      notes: [],
    },
    model: { kind: 'otsu', parameters: 0, inputChannels: 1 },
    backend: { name: 'js', device: 'CPU (plain JavaScript: a histogram per chip, no tensors)', skipped: [] },
    versions: engineVersions(input.tfjsVersion),
    epochs: evaluation
      ? [
          {
            epoch: 1,
            trainLoss: 0,
            val: evaluation.report.metrics,
            valLoss: null,
            seconds,
            samples: 0,
            samplesPerSecond: 0,
            collapse: null,
          },
        ]
      : [],
    best: evaluation ? { epoch: 1, valIou: evaluation.report.metrics.iou } : null,
    timings: { trainSeconds: 0, resumedTimes: 0 },
    error: null,
    stopReason: null,
    collapse: null,
    baseline: method,
  };
  await writeJsonAtomic(files.runJson, RunRecordSchema.parse(record));
  return record;
}
