/**
 * A scratch-net run folder with seeded (untrained) weights and real Sen1Floods11 dB statistics: what
 * scene tests need (a deterministic function of the pixels) without minutes of training.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunRecordSchema, type RunRecord } from '../../src-main/api/run.ts';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { writeCheckpoint } from '../../src-main/engine/run/checkpoint-file.ts';
import { RunFiles } from '../../src-main/engine/run/run-files.ts';

export async function writeSeededScratchRun(dir: string, options: { chipSize: number; seed?: number }): Promise<string> {
  await initBackend();
  const files = new RunFiles(dir);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const net = createScratchNet(2, { seed: options.seed ?? 7 });
  await writeCheckpoint(files.bestCheckpoint, await net.stateDict(), { epoch: 1, valIou: null });
  net.dispose();
  const now = new Date().toISOString();
  const record: RunRecord = RunRecordSchema.parse({
    formatVersion: 1,
    id: files.runId,
    status: 'completed',
    createdAt: now,
    updatedAt: now,
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
    backend: { name: 'wasm', device: null, skipped: [] },
    versions: { floodlens: 'test', tfjs: 'test', node: process.version, platform: process.platform },
    epochs: [],
    best: { epoch: 1, valIou: null },
    timings: { trainSeconds: 0, resumedTimes: 0 },
    error: null,
  });
  writeFileSync(files.runJson, JSON.stringify(record, null, 2));
  return dir;
}
