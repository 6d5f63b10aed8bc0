import { join } from 'node:path';

export interface ProbeBudget {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  valSplit: number;
  testSplit: number;
}

export const DEFAULT_PROBE_BUDGET: ProbeBudget = { epochs: 10, batchSize: 4, lr: 1e-3, seed: 0, valSplit: 0.2, testSplit: 0.2 };

export const probeFiles = (outDir: string) => ({ json: join(outDir, 'probe.json'), markdown: join(outDir, 'probe.md') });

/** `probe.json`: one linear probe per encoder checkpoint, same data, split, budget and seed. */
export interface ProbeRow {
  checkpoint: string;
  checkpointName: string;
  epoch: number | null;
  epochSource: 'metadata' | 'file name' | 'training loop' | null;
  encoder: { name: string; description: string; fingerprint: string };
  embeddingsDir: string;
  runDir: string;
  dice: number | null;
  iou: number | null;
  f1: number | null;
  precision: number | null;
  recall: number | null;
  /** Seconds computing embeddings (0 when all came from the cache) and training the head. */
  embedSeconds: number;
  trainSeconds: number;
}

export interface ProbeReport {
  formatVersion: 1;
  dataDir: string;
  createdAt: string;
  budget: { epochs: number; batchSize: number; lr: number; seed: number; valSplit: number; testSplit: number; checkpoint: 'last' };
  testChips: string[];
  rows: ProbeRow[];
  warnings: string[];
}
