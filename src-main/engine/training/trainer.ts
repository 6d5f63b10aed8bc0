import { existsSync } from 'node:fs';
import type { ChipInfo } from '../../api/dataset.ts';
import { JobCancelledError } from '../../api/jobs.ts';
import { TrainConfigSchema, type EpochRecord, type RunRecord, type TrainConfig, type TrainConfigInput } from '../../api/run.ts';
import { initBackend } from '../compute/backend.ts';
import { inspectDataset } from '../dataset/inspect.ts';
import { etaSeconds, type JobContext } from '../compute/job-context.ts';
import { evaluateChips } from '../run/evaluate-chips.ts';
import { applyTransform, drawTransform, waterPixelIndices } from '../inputs/augment.ts';
import { disposeBatch, sameShapeBatches, toTensorBatch } from '../inputs/batches.ts';
import { modelTensors, OPTIMIZER_PREFIX, optimizerTensors, readLastCheckpoint, writeCheckpoint } from '../run/checkpoint-file.ts';
import { dataFingerprint, labelledChips } from '../inputs/chip-samples.ts';
import { createNet } from '../models/net-factory.ts';
import { Adam } from '../models/optimizer.ts';
import { writeStateDict } from '../torch/checkpoint.ts';
import { trainStep } from '../models/train-step.ts';
import type { SequentialNet } from '../models/sequential-net.ts';
import { RunFiles } from '../run/run-files.ts';
import { readRunRecordIfAny, writeRunRecord } from '../run/run-record.ts';
import { SeededRandom } from '../inputs/seeded-random.ts';
import { splitChips } from './split.ts';
import { openTrainingSource } from '../inputs/open-source.ts';
import type { ModelSample, TrainingSource } from '../inputs/training-source.ts';
import { engineVersions } from '../versions.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';
import { withFolderLock } from '../fs/folder-lock.ts';

export interface TrainRequest {
  outDir: string;
  /** New run: its config. Omit with `resume` to continue the run in `outDir`. */
  config?: TrainConfigInput;
  resume?: boolean;
}

/** What an end-of-epoch hook sees: the run so far and its net (after the epoch's checkpoints were written). */
export interface EpochEndContext {
  runDir: string;
  record: RunRecord;
  net: SequentialNet;
  config: TrainConfig;
  job: JobContext;
}
export type EpochEndHook = (epoch: number, ctx: EpochEndContext) => Promise<void> | void;

/** In-process extras (functions cannot cross the worker boundary, so `runJob('train')` has none). */
export interface TrainHooks {
  /** Run in order after every epoch, e.g. `probeEvery(n, …)` from engine/probe. */
  onEpochEnd?: EpochEndHook[];
}

interface LoopState {
  epoch: number;
  random: SeededRandom;
  bestIou: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
}

/** Trains one run to completion, early stop or cancel; every state change lands in run.json. */
export async function trainRun(request: TrainRequest, context: JobContext, hooks: TrainHooks = {}): Promise<RunRecord> {
  // one writer per run folder: a second train/resume into it is refused instead of silently losing results
  return withFolderLock(request.outDir, request.resume ? 'resume' : 'train', () => trainLocked(request, context, hooks));
}

async function trainLocked(request: TrainRequest, context: JobContext, hooks: TrainHooks): Promise<RunRecord> {
  const files = new RunFiles(request.outDir);
  const existing = await readRunRecordIfAny(files.dir);
  if (existing && !request.resume) throw new Error(`${files.runJson} already exists: resume that run, or choose another output folder`);
  if (!existing && request.resume) throw new Error(`nothing to resume: ${files.runJson} does not exist`);
  const config: TrainConfig = existing ? existing.config : TrainConfigSchema.parse(request.config ?? {});

  const backend = await initBackend();
  context.log(`compute backend: ${backend.backend} (${backend.device})`);
  const inspection = await inspectDataset(config.dataDir);
  const chips = labelledChips(inspection);
  if (chips.length < 2) throw new Error(`${config.dataDir}: need at least 2 labelled chips with valid pixels to train, found ${chips.length}`);
  const fingerprint = await dataFingerprint(chips);
  if (existing && existing.data.fingerprint !== fingerprint) {
    throw new Error(`the data in ${config.dataDir} changed since this run started (fingerprint differs): resume refused, start a new run`);
  }
  const split = existing?.data.split ?? splitChips(chips.map((c) => c.id), config.seed, { val: config.valSplit, test: config.testSplit });
  const byId = new Map(chips.map((chip) => [chip.id, chip]));
  const chipsOf = (ids: string[]) => ids.map((id) => byId.get(id)).filter((chip): chip is ChipInfo => chip !== undefined);

  const { source, notes, normalisation, embeddingsDir, encoderInputs } = await openTrainingSource(config, chips, chipsOf(split.train), existing?.data.normalisation ?? null, { runDir: files.dir, context });
  // An encoder's cache folder is chosen on the first start; the record keeps it for evaluate/predict/resume.
  if (embeddingsDir && !config.embeddingsDir) config.embeddingsDir = embeddingsDir;
  const first = await source.load(chipsOf(split.train)[0]);
  const net = createNet(config.model, { inputChannels: source.inputChannels, inputGrid: [first.inputHeight, first.inputWidth], outputSize: [first.height, first.width], seed: config.seed + 1 });
  const optimizer = new Adam(net.variables, { lr: config.lr });

  const now = new Date().toISOString();
  const record: RunRecord = existing ?? {
    formatVersion: 1,
    id: files.runId,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    config,
    data: { dir: config.dataDir, fingerprint, chips: chips.length, inputBands: source.inputBands, normalisation, split, notes, ...(encoderInputs ? { encoderInputs } : {}) },
    model: { kind: config.model, parameters: net.parameterCount(), inputChannels: source.inputChannels },
    backend: { name: backend.backend, device: backend.device, skipped: backend.skipped.map((s) => ({ name: s.name, reason: s.reason })) },
    versions: engineVersions(backend.tfjsVersion),
    epochs: [],
    best: null,
    timings: { trainSeconds: 0, resumedTimes: 0 },
    error: null,
  };
  record.status = 'running';
  record.error = null;
  record.backend = { name: backend.backend, device: backend.device, skipped: backend.skipped.map((s) => ({ name: s.name, reason: s.reason })) };
  const state: LoopState = { epoch: 0, random: new SeededRandom(config.seed), bestIou: null, bestEpoch: null, epochsWithoutImprovement: 0 };
  if (existing) {
    record.timings.resumedTimes += 1;
    await restoreCheckpoint(files, net, optimizer, state, record);
  }
  await saveRecord(files, record);

  try {
    for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
      const epochRecord = await runEpoch(epoch, config, net, optimizer, source, chipsOf(split.train), chipsOf(split.val), state, context);
      record.epochs = [...record.epochs.filter((e) => e.epoch < epoch), epochRecord];
      record.timings.trainSeconds += epochRecord.seconds;
      const iou = epochRecord.val?.iou ?? null;
      const improved = state.bestEpoch === null || (iou !== null && (state.bestIou === null || iou > state.bestIou));
      state.epoch = epoch;
      if (improved) {
        state.bestIou = iou;
        state.bestEpoch = epoch;
        state.epochsWithoutImprovement = 0;
        record.best = { epoch, valIou: iou };
        await writeCheckpoint(files.bestCheckpoint, net.stateDict(), { epoch, valIou: iou });
        await writeStateDict(files.bestStateDict, net.stateDict());
      } else state.epochsWithoutImprovement += 1;
      await saveCheckpoint(files, net, optimizer, state, epochRecord);
      await saveRecord(files, record);
      for (const hook of hooks.onEpochEnd ?? []) await hook(epoch, { runDir: files.dir, record, net, config, job: context });
      if (config.patience > 0 && state.epochsWithoutImprovement >= config.patience && epoch < config.epochs) {
        context.log(`early stop after epoch ${epoch}: no better validation IoU for ${config.patience} epochs`);
        record.status = 'stopped-early';
        break;
      }
    }
    if (record.status === 'running') record.status = 'completed';
  } catch (error) {
    record.status = error instanceof JobCancelledError ? 'cancelled' : 'failed';
    record.error = error instanceof JobCancelledError ? null : (error as Error).message;
    await saveRecord(files, record);
    throw error;
  } finally {
    net.dispose();
    optimizer.dispose();
  }
  await saveRecord(files, record);
  return record;
}

async function runEpoch(
  epoch: number,
  config: TrainConfig,
  net: SequentialNet,
  optimizer: Adam,
  source: TrainingSource,
  train: ChipInfo[],
  val: ChipInfo[],
  state: LoopState,
  context: JobContext,
): Promise<EpochRecord> {
  const started = performance.now();
  const repeats = source.supportsAugmentation && config.chipSize ? config.cropsPerChip : 1;
  const order = state.random.shuffle(train.flatMap((chip) => Array.from({ length: repeats }, () => chip)));
  const steps = Math.ceil(order.length / config.batchSize);
  const augmentOptions = { cropSize: config.chipSize, flipsAndRotations: config.augment, waterCropShare: config.waterCropShare };
  let lossSum = 0;
  let samples = 0;
  let step = 0;

  const loaded = async function* () {
    for (const chip of order) {
      const sample = await source.load(chip);
      if (!source.supportsAugmentation) {
        yield sample;
        continue;
      }
      const water = augmentOptions.waterCropShare > 0 ? waterPixelIndices(sample) : undefined;
      yield augment(sample, drawTransform(sample, augmentOptions, state.random, water));
    }
  };
  const batchOf = async function* () {
    let pending: ModelSample[] = [];
    for await (const sample of loaded()) {
      pending.push(sample);
      if (pending.length === config.batchSize) {
        yield* sameShapeBatches(pending, config.batchSize);
        pending = [];
      }
    }
    if (pending.length > 0) yield* sameShapeBatches(pending, config.batchSize);
  };

  for await (const samplesOfBatch of batchOf()) {
    context.throwIfCancelled();
    const batch = toTensorBatch(samplesOfBatch);
    const { loss } = trainStep(net, optimizer, batch);
    disposeBatch(batch);
    step++;
    samples += batch.size;
    lossSum += loss * batch.size;
    const elapsed = (performance.now() - started) / 1000;
    context.progress({
      phase: 'train',
      epoch,
      epochs: config.epochs,
      step,
      steps,
      loss,
      samplesPerSecond: samples / elapsed,
      etaSeconds: etaSeconds(step, steps, elapsed),
      message: null,
    });
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const evaluation = val.length > 0 ? await evaluateChips(net, source, val, config.threshold, context) : null;
  return {
    epoch,
    trainLoss: samples > 0 ? lossSum / samples : Number.NaN,
    val: evaluation ? evaluation.report.metrics : null,
    valLoss: evaluation?.loss ?? null,
    seconds: (performance.now() - started) / 1000,
    samples,
    samplesPerSecond: samples / Math.max(trainSeconds, 1e-9),
  };
}

function augment(sample: ModelSample, transform: ReturnType<typeof drawTransform>): ModelSample {
  const out = applyTransform(
    { channels: sample.channels, width: sample.width, height: sample.height, pixels: sample.input, label: sample.label, valid: sample.valid },
    transform,
  );
  return {
    ...sample,
    input: out.pixels,
    inputHeight: out.height,
    inputWidth: out.width,
    label: out.label,
    valid: out.valid,
    height: out.height,
    width: out.width,
    // Only training uses augmented samples: their masks for metrics are not needed.
    inputValid: new Uint8Array(0),
    labelValid: new Uint8Array(0),
  };
}

async function saveRecord(files: RunFiles, record: RunRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeRunRecord(files.dir, record);
}

/** The epoch's record rides in last.flck too: a crash between the checkpoint and run.json must not lose it. */
async function saveCheckpoint(files: RunFiles, net: SequentialNet, optimizer: Adam, state: LoopState, epochRecord: EpochRecord): Promise<void> {
  const tensors = new Map<string, TensorRecord>(net.stateDict());
  for (const [key, tensor] of optimizer.state()) tensors.set(`${OPTIMIZER_PREFIX}${key}`, tensor);
  await writeCheckpoint(files.lastCheckpoint, tensors, {
    epoch: state.epoch,
    randomState: state.random.snapshot(),
    bestIou: state.bestIou,
    bestEpoch: state.bestEpoch,
    epochsWithoutImprovement: state.epochsWithoutImprovement,
    epochRecord,
  });
}

async function restoreCheckpoint(files: RunFiles, net: SequentialNet, optimizer: Adam, state: LoopState, record: RunRecord): Promise<void> {
  if (!existsSync(files.lastCheckpoint)) {
    record.epochs = [];
    return; // interrupted before the first epoch finished: start over with the same split and seed
  }
  const { tensors, meta: m } = await readLastCheckpoint(files.lastCheckpoint);
  net.loadStateDict(modelTensors(tensors), files.lastCheckpoint);
  optimizer.loadState(optimizerTensors(tensors));
  state.epoch = m.epoch;
  state.random = SeededRandom.restore(m.randomState);
  state.bestIou = m.bestIou;
  state.bestEpoch = m.bestEpoch;
  state.epochsWithoutImprovement = m.epochsWithoutImprovement;
  record.epochs = record.epochs.filter((e) => e.epoch <= m.epoch);
  // killed after last.flck but before run.json: the checkpoint knows the epoch run.json missed
  if (m.epochRecord?.epoch === m.epoch && !record.epochs.some((e) => e.epoch === m.epoch)) record.epochs.push(m.epochRecord);
  if (m.bestEpoch !== null) record.best = { epoch: m.bestEpoch, valIou: m.bestIou };
}
