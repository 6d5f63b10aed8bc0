/**
 * Run folders with seeded (untrained) weights: what scene tests need (a deterministic function of the
 * pixels) without minutes of training. The scratch net carries real Sen1Floods11 dB statistics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunRecordSchema, type RunRecord } from '../../src-main/api/run.ts';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { createNet } from '../../src-main/engine/models/net-factory.ts';
import { otsuMethod } from '../../src-main/engine/run/otsu-predictor.ts';
import { writeCheckpoint } from '../../src-main/engine/run/checkpoint-file.ts';
import { RunFiles } from '../../src-main/engine/run/run-files.ts';

export async function writeSeededScratchRun(dir: string, options: { chipSize: number; seed?: number }): Promise<string> {
  await initBackend();
  const files = new RunFiles(dir);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const net = createScratchNet(2, { seed: options.seed ?? 7 });
  await writeCheckpoint(files.bestCheckpoint, await net.stateDict(), { epoch: 1, valIou: null });
  net.dispose();
  writeRecord(files, {
    config: { model: 'scratch', dataDir: 'sen1floods11', chipSize: options.chipSize, seed: options.seed ?? 7 },
    data: {
      dir: 'sen1floods11',
      fingerprint: '0'.repeat(64),
      chips: 0,
      inputBands: ['VH', 'VV'],
      normalisation: { kind: 'dataset', bands: ['VH', 'VV'], mean: [-20.2, -12.2], std: [6.2, 5.4], s1Units: 'dB' },
      split: { train: [], val: [], test: [] },
      notes: ['seeded weights for tests (not trained)'],
    },
    model: { kind: 'scratch', parameters: 0, inputChannels: 2 },
  });
  return dir;
}

function writeRecord(files: RunFiles, fields: Record<string, unknown>): void {
  const now = new Date().toISOString();
  const record: RunRecord = RunRecordSchema.parse({
    formatVersion: 1,
    id: files.runId,
    status: 'completed',
    createdAt: now,
    updatedAt: now,
    backend: { name: 'wasm', device: null, skipped: [] },
    versions: { floodlens: 'test', tfjs: 'test', node: process.version, platform: process.platform },
    epochs: [],
    best: { epoch: 1, valIou: null },
    timings: { trainSeconds: 0, resumedTimes: 0 },
    error: null,
    ...fields,
  });
  writeFileSync(files.runJson, JSON.stringify(record, null, 2));
}

/**
 * A Clay head run (clay-decoder or linear-probe) with seeded weights on a real (tiny) Clay encoder
 * checkpoint: what scene tests need without training. `channels` = the encoder's embedding channels.
 */
export async function writeSeededHeadRun(
  dir: string,
  options: {
    kind: 'clay-decoder' | 'linear-probe';
    encoder: string;
    version: 'v0' | 'v1.5';
    channels: number;
    patch: number;
    seed?: number;
    /** Mask threshold (seeded heads give probabilities in a narrow band: a threshold inside it makes a mixed mask). */
    threshold?: number;
  },
): Promise<string> {
  await initBackend();
  const files = new RunFiles(dir);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const net = createNet(options.kind, {
    inputChannels: options.channels,
    inputGrid: [4, 4],
    outputSize: [4 * options.patch, 4 * options.patch],
    seed: options.seed ?? 5,
  });
  await writeCheckpoint(files.bestCheckpoint, await net.stateDict(), { epoch: 1, valIou: null });
  net.dispose();
  writeRecord(files, {
    config: {
      model: options.kind,
      dataDir: 'sen1floods11',
      encoder: options.encoder,
      seed: options.seed ?? 5,
      threshold: options.threshold,
    },
    data: {
      dir: 'sen1floods11',
      fingerprint: '0'.repeat(64),
      chips: 0,
      inputBands: [`embedding:clay-${options.version}`],
      normalisation: null,
      split: { train: [], val: [], test: [] },
      notes: ['seeded weights for tests (not trained)'],
    },
    model: { kind: options.kind, parameters: 0, inputChannels: options.channels },
  });
  return dir;
}

/** An Otsu baseline run (it fits nothing) thresholding `band`. */
export function writeOtsuRun(dir: string, band: 'VH' | 'VV' = 'VH'): string {
  const files = new RunFiles(dir);
  mkdirSync(dir, { recursive: true });
  writeRecord(files, {
    config: { model: 'otsu', dataDir: 'sen1floods11', otsuBand: band },
    data: {
      dir: 'sen1floods11',
      fingerprint: '0'.repeat(64),
      chips: 0,
      inputBands: [band],
      normalisation: null,
      split: { train: [], val: [], test: [] },
      notes: [],
    },
    model: { kind: 'otsu', parameters: 0, inputChannels: 1 },
    baseline: otsuMethod(band),
  });
  return dir;
}
