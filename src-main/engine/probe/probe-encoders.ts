/**
 * Linear probing of encoder checkpoints (the seed's "probe every n epochs", after the fact): per
 * checkpoint, embed the dataset (cached per encoder), train the linear-probe head with a fixed budget
 * and seed, score the last weights on the test split. Same data, split and seed for every row.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { TrainConfigInput } from '../../api/run.ts';
import { inspectDataset } from '../dataset/inspect.ts';
import { chipFileStem } from '../fs/chip-file-stem.ts';
import type { ClayInputOptions } from '../embedding/clay-inputs.ts';
import { embedChips } from '../embedding/embed-chips.ts';
import { encoderIdentity, type EncoderIdentity } from '../embedding/encoder-file.ts';
import { evaluateRun } from '../evaluation/evaluate-run.ts';
import { readRunRecord } from '../run/run-record.ts';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic-write.ts';
import type { JobContext } from '../compute/job-context.ts';
import { TorchCheckpoint } from '../torch/checkpoint.ts';
import { labelledChips } from '../inputs/chip-samples.ts';
import { trainRun, type EpochEndHook } from '../training/trainer.ts';
import { checkpointEpoch } from './checkpoint-epoch.ts';
import { DEFAULT_PROBE_BUDGET, probeFiles, type ProbeBudget, type ProbeReport, type ProbeRow } from './probe-report.ts';

export { DEFAULT_PROBE_BUDGET, probeFiles, type ProbeBudget };
import { probeMarkdown } from './probe-table.ts';

export interface ProbeRequest extends Partial<ProbeBudget> {
  /** Encoder checkpoints, e.g. one per pretraining epoch. */
  encoders: string[];
  dataDir: string;
  /** Gets probe.json, probe.md, embeddings/<fp>/ and runs/<checkpoint>/. */
  outDir: string;
  inputs?: ClayInputOptions;
}

export async function writeProbeReport(outDir: string, report: ProbeReport): Promise<void> {
  const files = probeFiles(outDir);
  await writeJsonAtomic(files.json, report);
  await writeFileAtomic(files.markdown, probeMarkdown(report));
}

interface ProbeOneOptions {
  dataDir: string;
  outDir: string;
  runName: string;
  budget: ProbeBudget;
  context: JobContext;
  identity?: EncoderIdentity;
  inputs?: ClayInputOptions;
}

/** Probe one checkpoint; a finished probe run in the same place is reused, an interrupted one resumed. */
export async function probeCheckpoint(
  file: string,
  options: ProbeOneOptions,
): Promise<{ row: Omit<ProbeRow, 'epoch' | 'epochSource'>; testChips: string[] }> {
  const identity = options.identity ?? (await encoderIdentity(file));
  const chips = labelledChips(await inspectDataset(options.dataDir));
  const embeddingsDir = join(options.outDir, 'embeddings', identity.fingerprint.slice(0, 16));
  const embedded = await embedChips(file, chips, embeddingsDir, options.context, { identity, inputs: options.inputs });
  if (embedded.failed.length > 0)
    throw new Error(
      `${file}: cannot embed ${embedded.failed.length} chip(s): ${embedded.failed
        .slice(0, 3)
        .map((f) => f.error)
        .join('; ')}`,
    );
  const embedSeconds = embedded.computed.length > 0 ? embedded.loadSeconds + embedded.secondsPerChip! * embedded.computed.length : 0;

  const runDir = join(options.outDir, 'runs', options.runName);
  const { budget } = options;
  const config: TrainConfigInput = {
    model: 'linear-probe',
    dataDir: options.dataDir,
    encoder: file,
    embeddingsDir,
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    lr: budget.lr,
    seed: budget.seed,
    valSplit: budget.valSplit,
    testSplit: budget.testSplit,
    patience: 0,
    augment: false,
  };
  const existing = existsSync(join(runDir, 'run.json')) ? await readRunRecord(runDir) : null;
  if (existing && existing.config.encoder !== file)
    throw new Error(`${runDir} is a probe of ${existing.config.encoder}, not of ${file}: use another --out`);
  const record =
    existing?.status === 'completed'
      ? existing
      : await trainRun(existing ? { outDir: runDir, resume: true } : { outDir: runDir, config }, options.context);
  const evaluation = await evaluateRun(
    { runDir, dataDir: options.dataDir, chips: 'test', checkpoint: 'last', name: 'probe' },
    options.context,
  );
  const m = evaluation.metrics;
  return {
    row: {
      checkpoint: file,
      checkpointName: basename(file),
      encoder: { name: identity.name, description: identity.description, fingerprint: identity.fingerprint },
      embeddingsDir,
      runDir,
      dice: m.dice,
      iou: m.iou,
      f1: m.f1,
      precision: m.precision,
      recall: m.recall,
      embedSeconds,
      trainSeconds: record.timings.trainSeconds,
    },
    testChips: evaluation.chips,
  };
}

function budgetOf(request: Partial<ProbeBudget>): ProbeBudget {
  const budget = { ...DEFAULT_PROBE_BUDGET };
  for (const key of Object.keys(budget) as (keyof ProbeBudget)[]) if (request[key] !== undefined) budget[key] = request[key]!;
  return budget;
}

function emptyReport(dataDir: string, budget: ProbeBudget): ProbeReport {
  return {
    formatVersion: 1,
    dataDir,
    createdAt: new Date().toISOString(),
    budget: { ...budget, checkpoint: 'last' },
    testChips: [],
    rows: [],
    warnings: [],
  };
}

/** `floodlens probe`: every checkpoint is identified first, so a wrong file fails before any work. */
export async function probeEncoders(request: ProbeRequest, context: JobContext): Promise<ProbeReport> {
  if (request.encoders.length === 0) throw new Error('name at least one encoder checkpoint to probe');
  const dataDir = resolve(request.dataDir);
  const outDir = resolve(request.outDir);
  const budget = budgetOf(request);
  const checkpoints: { file: string; identity: EncoderIdentity; epoch: ReturnType<typeof checkpointEpoch> }[] = [];
  for (const raw of request.encoders) {
    const file = resolve(raw);
    const identity = await encoderIdentity(file);
    const ckpt = await TorchCheckpoint.open(file);
    const epoch = checkpointEpoch(file, ckpt.metadata());
    await ckpt.close();
    checkpoints.push({ file, identity, epoch });
  }
  const report = emptyReport(dataDir, budget);
  report.warnings.push(...checkpoints.flatMap((c) => (c.epoch.warning ? [c.epoch.warning] : [])));
  for (const [index, { file, identity, epoch }] of checkpoints.entries()) {
    context.throwIfCancelled();
    context.log(`probe ${index + 1}/${checkpoints.length}: ${basename(file)} (epoch ${epoch.epoch ?? 'unknown'}, ${identity.description})`);
    const runName = `${String(index + 1).padStart(2, '0')}-${chipFileStem(basename(file).replace(/\.(ckpt|pt|pth)$/i, ''))}`;
    const { row, testChips } = await probeCheckpoint(file, { dataDir, outDir, runName, budget, context, identity, inputs: request.inputs });
    report.rows.push({ ...row, epoch: epoch.epoch, epochSource: epoch.source });
    report.testChips = testChips;
    await writeProbeReport(outDir, report);
  }
  return report;
}

export interface ProbeEveryOptions {
  /** The encoder checkpoint saved for this epoch (an encoder-training loop writes it before the hook runs). */
  encoderCheckpoint: (epoch: number, runDir: string) => string | Promise<string>;
  dataDir: string;
  /** Default `<runDir>/probe`. */
  outDir?: string;
  budget?: Partial<ProbeBudget>;
  inputs?: ClayInputOptions;
}

/** Training callback: every `n` epochs, probe the encoder checkpoint of that epoch and append a row to probe.json/md. */
export function probeEvery(n: number, options: ProbeEveryOptions): EpochEndHook {
  if (!Number.isInteger(n) || n < 1) throw new Error(`probeEvery: n must be a positive integer, got ${n}`);
  const budget = budgetOf(options.budget ?? {});
  let report: ProbeReport | null = null;
  return async (epoch, ctx) => {
    if (epoch % n !== 0) return;
    const outDir = resolve(options.outDir ?? join(ctx.runDir, 'probe'));
    const dataDir = resolve(options.dataDir);
    report ??= emptyReport(dataDir, budget);
    const file = resolve(await options.encoderCheckpoint(epoch, ctx.runDir));
    const { row, testChips } = await probeCheckpoint(file, {
      dataDir,
      outDir,
      runName: `epoch-${epoch}`,
      budget,
      context: ctx.job,
      inputs: options.inputs,
    });
    report.rows = [...report.rows.filter((r) => r.epoch !== epoch), { ...row, epoch, epochSource: 'training loop' }];
    report.testChips = testChips;
    await writeProbeReport(outDir, report);
  };
}
