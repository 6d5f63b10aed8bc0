import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import type { GpuAdapter } from '../../api/compute.ts';
import type { ChipInfo } from '../../api/dataset.ts';
import { JobCancelledError } from '../../api/jobs.ts';
import {
  TrainConfigSchema,
  type Collapse,
  type EpochRecord,
  type RunRecord,
  type TrainConfig,
  type TrainConfigInput,
} from '../../api/run.ts';
import { backendRecord, initBackend } from '../compute/backend.ts';
import { GpuOutOfMemoryError, maxSamplesForAdapter, retryWithSmallerChunks } from '../compute/gpu-memory.ts';
import { guardGpu } from '../compute/webgpu.ts';
import { inspectDataset } from '../dataset/inspect.ts';
import { etaSeconds, yieldToEventLoop, type JobContext } from '../compute/job-context.ts';
import { evaluateChips, evaluateSamples } from '../run/evaluate-chips.ts';
import { netPredictor } from '../run/predict-chip.ts';
import { createBaselineRun } from './baseline-run.ts';
import { collapseWarning, detectCollapse, isBetter } from './collapse.ts';
import { TrainingBudget } from './budget.ts';
import { applyTransform, drawTransform, waterPixelIndices } from '../inputs/augment.ts';
import { disposeBatch, sameShapeBatches, toTensorBatch } from '../inputs/batches.ts';
import { modelTensors, OPTIMIZER_PREFIX, optimizerTensors, readLastCheckpoint, writeCheckpoint } from '../run/checkpoint-file.ts';
import { dataFingerprint, labelledChips } from '../inputs/chip-samples.ts';
import { createNet, type NetShape } from '../models/net-factory.ts';
import { Adam } from '../models/optimizer.ts';
import { writeStateDict } from '../torch/checkpoint.ts';
import { trainStep, type StepResult, type TrainBatch } from '../models/train-step.ts';
import type { SequentialNet } from '../models/sequential-net.ts';
import { RunFiles } from '../run/run-files.ts';
import { readRunRecordIfAny, writeRunRecord } from '../run/run-record.ts';
import { SeededRandom } from '../inputs/seeded-random.ts';
import { heldOutSplit, splitChips } from './split.ts';
import { GradientPool } from './gradient-pool.ts';
import { trainParallelism } from './train-workers.ts';
import { openTrainingSource } from '../inputs/open-source.ts';
import { cachedSource, type ModelSample, type TrainingSource } from '../inputs/training-source.ts';
import { learningRate } from './lr-schedule.ts';
import { validationCrops } from '../inputs/validation-crops.ts';
import { engineVersions } from '../versions.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';
import { withFolderLock } from '../fs/folder-lock.ts';

export interface TrainRequest {
  outDir: string;
  /** New run: its config. Omit with `resume` to continue the run in `outDir`. */
  config?: TrainConfigInput;
  resume?: boolean;
  /** Chips held out as the test split (never trained or validated on): cross-validation's left-out region. */
  testChips?: string[];
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
  bestCollapse: Collapse | null;
  epochsWithoutImprovement: number;
  /** Samples per gradient computation: the batch, or less where the GPU's buffers or memory ask for it (not checkpointed). */
  chunk: number;
  adapter: GpuAdapter | null;
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

  const inspection = await inspectDataset(config.dataDir);
  const chips = labelledChips(inspection);
  if (chips.length < 2)
    throw new Error(`${config.dataDir}: need at least 2 labelled chips with valid pixels to train, found ${chips.length}`);
  const fingerprint = await dataFingerprint(chips);
  if (existing && existing.data.fingerprint !== fingerprint) {
    throw new Error(`the data in ${config.dataDir} changed since this run started (fingerprint differs): resume refused, start a new run`);
  }
  const split =
    existing?.data.split ??
    (request.testChips
      ? heldOutSplit(
          chips.map((c) => c.id),
          request.testChips,
          config,
        )
      : splitChips(
          chips.map((c) => c.id),
          config.seed,
          { val: config.valSplit, test: config.testSplit },
        ));
  const byId = new Map(chips.map((chip) => [chip.id, chip]));
  const chipsOf = (ids: string[]) => ids.map((id) => byId.get(id)).filter((chip): chip is ChipInfo => chip !== undefined);
  if (config.model === 'otsu') {
    return createBaselineRun({ files, config, chips, fingerprint, split, val: chipsOf(split.val), tfjsVersion: tf.version_core }, context);
  }

  const backend = await initBackend();
  context.log(`compute backend: ${backend.backend} (${backend.device})`);

  const { source, notes, normalisation, embeddingsDir, encoderInputs } = await openTrainingSource(
    config,
    chips,
    chipsOf(split.train),
    existing?.data.normalisation ?? null,
    { runDir: files.dir, context },
  );
  // An encoder's cache folder is chosen on the first start; the record keeps it for evaluate/predict/resume.
  if (embeddingsDir && !config.embeddingsDir) config.embeddingsDir = embeddingsDir;
  const first = await source.load(chipsOf(split.train)[0]);
  const shape: NetShape = {
    inputChannels: source.inputChannels,
    inputGrid: [first.inputHeight, first.inputWidth],
    outputSize: [first.height, first.width],
    seed: config.seed + 1,
  };
  const net = createNet(config.model, shape);
  const optimizer = new Adam(net.variables, { lr: config.lr });

  const now = new Date().toISOString();
  const record: RunRecord = existing ?? {
    formatVersion: 1,
    id: files.runId,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    config,
    data: {
      dir: config.dataDir,
      fingerprint,
      chips: chips.length,
      inputBands: source.inputBands,
      normalisation,
      split,
      notes,
      ...(encoderInputs ? { encoderInputs } : {}),
    },
    model: { kind: config.model, parameters: net.parameterCount(), inputChannels: source.inputChannels },
    backend: backendRecord(backend),
    versions: engineVersions(backend.tfjsVersion),
    epochs: [],
    best: null,
    timings: { trainSeconds: 0, resumedTimes: 0 },
    error: null,
    stopReason: null,
    collapse: null,
    baseline: null,
  };
  record.status = 'running';
  record.error = null;
  record.stopReason = null;
  record.backend = backendRecord(backend);
  const parallel = trainParallelism(config.trainWorkers, backend.backend, config.model, config.batchSize);
  if (parallel.note) context.log(parallel.note);
  if (parallel.perSampleGradients) context.log(`gradients per sample on ${parallel.workers} thread(s)`);
  record.trainWorkers = parallel.workers;
  const state: LoopState = {
    epoch: 0,
    random: new SeededRandom(config.seed),
    bestIou: null,
    bestEpoch: null,
    bestCollapse: null,
    epochsWithoutImprovement: 0,
    chunk: config.batchSize,
    adapter: backend.adapter,
  };
  if (existing) {
    record.timings.resumedTimes += 1;
    await restoreCheckpoint(files, net, optimizer, state, record);
  }
  await saveRecord(files, record);

  const budget = new TrainingBudget(config.maxMinutes, record.timings.trainSeconds);
  const trainSource = cachedSource(source);
  const validation = await validationSet(config, source, chipsOf(split.val));
  // Workers start (tfjs, the backend) while the first batch loads; the first step waits for them.
  const pool =
    parallel.workers > 1 ? new GradientPool({ threads: parallel.workers, backend: backend.backend, kind: config.model, shape }) : null;
  const takeStep = (batch: TrainBatch): Promise<StepResult> =>
    parallel.perSampleGradients
      ? trainStep(net, optimizer, batch, 1, pool?.gradients(net, context))
      : gpuSafeStep(net, optimizer, batch, state, context);
  try {
    for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
      const epochRecord = await runEpoch(
        epoch,
        config,
        net,
        optimizer,
        takeStep,
        trainSource,
        chipsOf(split.train),
        validation,
        state,
        context,
        budget,
      );
      record.epochs = [...record.epochs.filter((e) => e.epoch < epoch), epochRecord];
      record.timings.trainSeconds += epochRecord.seconds;
      budget.validationSeconds = epochRecord.validationSeconds;
      const iou = epochRecord.val?.iou ?? null;
      if (epochRecord.collapse) context.log(`warning: ${collapseWarning(epochRecord.collapse, `epoch ${epoch} validation`)}`);
      const improved = isBetter(
        { iou, collapse: epochRecord.collapse },
        state.bestEpoch === null ? null : { iou: state.bestIou, collapse: state.bestCollapse },
      );
      state.epoch = epoch;
      if (improved) {
        state.bestIou = iou;
        state.bestEpoch = epoch;
        state.bestCollapse = epochRecord.collapse;
        state.epochsWithoutImprovement = 0;
        record.best = { epoch, valIou: iou };
        record.collapse = epochRecord.collapse;
        const weights = await net.stateDict();
        await writeCheckpoint(files.bestCheckpoint, weights, { epoch, valIou: iou });
        await writeStateDict(files.bestStateDict, weights);
      } else state.epochsWithoutImprovement += 1;
      await saveCheckpoint(files, net, optimizer, state, epochRecord);
      await saveRecord(files, record);
      for (const hook of hooks.onEpochEnd ?? []) await hook(epoch, { runDir: files.dir, record, net, config, job: context });
      if (budget.exhausted()) {
        context.log(`time budget of ${config.maxMinutes} min reached after epoch ${epoch}: keeping the best epoch (${state.bestEpoch})`);
        record.stopReason = 'max-minutes';
        break;
      }
      // While every epoch so far collapsed (IoU 0 for no-water ties forever), patience would stop a net that has not started.
      const learning = state.bestCollapse === null;
      if (config.patience > 0 && learning && state.epochsWithoutImprovement >= config.patience && epoch < config.epochs) {
        context.log(`early stop after epoch ${epoch}: no better validation IoU for ${config.patience} epochs`);
        record.status = 'stopped-early';
        record.stopReason = 'early-stopping';
        break;
      }
    }
    if (record.status === 'running') record.status = 'completed';
    record.stopReason ??= 'epochs';
    if (record.collapse) context.log(`warning: ${collapseWarning(record.collapse, `the kept model (epoch ${record.best?.epoch})`)}`);
  } catch (error) {
    const cancelled = error instanceof JobCancelledError;
    record.status = cancelled ? 'cancelled' : 'failed';
    record.stopReason = cancelled ? 'cancelled' : 'failed';
    record.error = cancelled ? null : (error as Error).message;
    await saveRecord(files, record);
    throw error;
  } finally {
    await pool?.close();
    net.dispose();
    optimizer.dispose();
  }
  await saveRecord(files, record);
  return record;
}

/**
 * A train step within the GPU's means: gradients in chunks whose largest activation fits one buffer of the
 * adapter, halved after an out-of-memory error (the step is only applied once every chunk succeeded).
 */
async function gpuSafeStep(net: SequentialNet, optimizer: Adam, batch: TrainBatch, state: LoopState, context: JobContext) {
  const [, height, width] = batch.input.shape;
  const fits = maxSamplesForAdapter(state.adapter, net.largestActivationBytes(height, width));
  if (fits < 1)
    throw new GpuOutOfMemoryError(
      `one ${width}×${height} sample needs ${(net.largestActivationBytes(height, width) / 2 ** 20).toFixed(0)} MiB in one GPU buffer, more than the adapter allows: use smaller crops (chip size) or FLOODLENS_BACKEND=wasm`,
    );
  const first = Math.min(state.chunk, fits);
  if (first < state.chunk) context.log(`GPU buffers hold ${fits} sample(s) of ${width}×${height}: gradients in chunks of ${first}`);
  const { value, chunk } = await retryWithSmallerChunks(
    first,
    (size) => guardGpu(() => trainStep(net, optimizer, batch, size)),
    (next, error) => context.log(`${error.message}: retrying this step in chunks of ${next} sample(s)`),
  );
  state.chunk = chunk;
  return value;
}

async function runEpoch(
  epoch: number,
  config: TrainConfig,
  net: SequentialNet,
  optimizer: Adam,
  takeStep: (batch: TrainBatch) => Promise<StepResult>,
  source: TrainingSource,
  train: ChipInfo[],
  validation: ValidationSet,
  state: LoopState,
  context: JobContext,
  budget: TrainingBudget,
): Promise<EpochRecord & { validationSeconds: number }> {
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
    await yieldToEventLoop();
    context.throwIfCancelled();
    // Keep time for this epoch's validation: a run stopped by its budget still ends on a scored checkpoint.
    if (step > 0 && budget.exhausted()) break;
    const batch = toTensorBatch(samplesOfBatch);
    const epochsDone = (epoch - 1 + step / steps) / config.epochs;
    optimizer.lr = learningRate(config, { step: optimizer.step, done: Math.max(epochsDone, budget.fractionUsed() ?? 0) });
    const { loss } = await takeStep({ ...batch, posWeight: config.posWeight });
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
      etaSeconds: budget.eta(etaSeconds(step, steps, elapsed)),
      message: null,
    });
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const predictor = netPredictor(net, config.threshold, { ownsNet: false });
  const evaluation =
    validation.kind === 'crops'
      ? validation.samples.length > 0
        ? await evaluateSamples(predictor, validation.samples, context)
        : null
      : validation.chips.length > 0
        ? await evaluateChips(predictor, source, validation.chips, context)
        : null;
  return {
    validationSeconds: (performance.now() - started) / 1000 - trainSeconds,
    collapse: evaluation ? detectCollapse(evaluation.report.metrics) : null,
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
    {
      channels: sample.channels,
      width: sample.width,
      height: sample.height,
      pixels: sample.input,
      label: sample.label,
      valid: sample.valid,
    },
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
async function saveCheckpoint(
  files: RunFiles,
  net: SequentialNet,
  optimizer: Adam,
  state: LoopState,
  epochRecord: EpochRecord,
): Promise<void> {
  const tensors = new Map<string, TensorRecord>(await net.stateDict());
  for (const [key, tensor] of await optimizer.state()) tensors.set(`${OPTIMIZER_PREFIX}${key}`, tensor);
  await writeCheckpoint(files.lastCheckpoint, tensors, {
    epoch: state.epoch,
    randomState: state.random.snapshot(),
    bestIou: state.bestIou,
    bestEpoch: state.bestEpoch,
    bestCollapse: state.bestCollapse,
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
  state.bestCollapse = m.bestCollapse ?? null;
  state.epochsWithoutImprovement = m.epochsWithoutImprovement;
  record.epochs = record.epochs.filter((e) => e.epoch <= m.epoch);
  // killed after last.flck but before run.json: the checkpoint knows the epoch run.json missed
  if (m.epochRecord?.epoch === m.epoch && !record.epochs.some((e) => e.epoch === m.epoch)) record.epochs.push(m.epochRecord);
  if (m.bestEpoch !== null) record.best = { epoch: m.bestEpoch, valIou: m.bestIou };
}

type ValidationSet = { kind: 'crops'; samples: ModelSample[] } | { kind: 'chips'; chips: ChipInfo[] };

/** Fixed crops of the validation chips (pixel models with `valCropSize`), else the whole chips. */
async function validationSet(config: TrainConfig, source: TrainingSource, val: ChipInfo[]): Promise<ValidationSet> {
  if (!source.supportsAugmentation || config.valCropSize === null) return { kind: 'chips', chips: val };
  const samples: ModelSample[] = [];
  for (const chip of val)
    samples.push(...validationCrops(await source.load(chip), config.valCropSize, config.valCropsPerChip, config.seed));
  return { kind: 'crops', samples };
}
