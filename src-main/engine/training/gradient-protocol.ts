/** Messages between the trainer and its gradient workers (training/gradient-pool.ts, training/gradient-worker.ts). */
import type { ModelKind } from '../../api/run.ts';
import type { BackendChoice } from '../compute/backend.ts';
import type { NetShape } from '../models/net-factory.ts';

/** What a gradient worker starts with: the trainer's backend and the net to build (its weights arrive with each step). */
export interface GradientWorkerData {
  backend: BackendChoice;
  kind: ModelKind;
  shape: NetShape;
}

export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** One part of a batch (one sample in data-parallel training), NHWC like `TrainBatch`. */
export interface PartData {
  input: TensorData;
  label: TensorData;
  valid: TensorData | null;
  posWeight?: number;
}

/** A step: the net's current weights (variable layout, by state-dict key) and the parts to compute, in order. */
export type ToGradientWorker = { type: 'step'; id: number; weights: [string, Float32Array][]; parts: PartData[] };

/** Each part's loss and gradients (variable layout, by state-dict key), in the order of the parts. */
export interface PartResult {
  loss: number;
  grads: [string, Float32Array][];
}

export type FromGradientWorker =
  | { type: 'ready' }
  | { type: 'gradients'; id: number; parts: PartResult[] }
  | { type: 'failed'; id: number | null; message: string; stack?: string };
