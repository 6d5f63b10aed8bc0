/**
 * Data-parallel training on worker threads (wasm and cpu compute on one thread per worker under Node): the
 * trainer's thread computes the first parts of a batch while gradient workers compute the others, each on its
 * copy of the net with the trainer's current weights. Every part's gradients come back separately and
 * `trainStep` sums them in part order, so the step is the same floats whatever the number of workers.
 * A failed, crashed or exited worker fails the step with an error naming it, and stops the others.
 */
import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import type { ModelKind } from '../../api/run.ts';
import type { BackendChoice } from '../compute/backend.ts';
import type { JobContext } from '../compute/job-context.ts';
import { splitEvenly, startEngineThread } from '../compute/worker-thread.ts';
import type { NetShape } from '../models/net-factory.ts';
import type { SequentialNet } from '../models/sequential-net.ts';
import { localGradients, type LossAndGradients, type PartGradients, type TrainBatch } from '../models/train-step.ts';
import type { FromGradientWorker, GradientWorkerData, PartData, PartResult, ToGradientWorker } from './gradient-protocol.ts';

export class GradientWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradientWorkerError';
  }
}

/** Gradient worker threads alive in this thread (started, not yet exited): what tests check after cancel or failure. */
const live = new Set<Worker>();
export const runningGradientWorkers = (): number => live.size;

/** How often a step waiting on workers looks at the job's cancel flag. */
const CANCEL_POLL_MS = 100;

/** One gradient worker thread: at most one step in flight. */
class GradientThread {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private pending: { id: number; resolve: (parts: PartResult[]) => void; reject: (error: Error) => void } | null = null;
  private started!: { resolve: () => void; reject: (error: Error) => void };
  private closing = false;

  constructor(
    readonly name: string,
    data: GradientWorkerData,
    private readonly onFailure: (error: GradientWorkerError) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => (this.started = { resolve, reject }));
    this.ready.catch(() => undefined); // awaited by the first step; a failure before it must not be unhandled
    this.worker = startEngineThread(new URL('./gradient-worker.ts', import.meta.url), 'gradient-worker', data);
    live.add(this.worker);
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        live.delete(this.worker);
        if (!this.closing) this.fail(`${this.name} exited (code ${code}) before finishing its work`);
        resolve();
      }),
    );
    this.worker.on('message', (message: FromGradientWorker) => this.receive(message));
    this.worker.on('error', (error) => this.fail(`${this.name} crashed: ${error.message}`));
    this.worker.on('messageerror', (error) => this.fail(`${this.name} sent a message that could not be read: ${error.message}`));
  }

  compute(id: number, weights: [string, Float32Array][], parts: PartData[]): Promise<PartResult[]> {
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      const message: ToGradientWorker = { type: 'step', id, weights, parts };
      this.worker.postMessage(message);
    });
  }

  /** Rejects what is waiting on this thread (the pool failed or closed). */
  abandon(error: Error): void {
    this.started.reject(error);
    this.pending?.reject(error);
    this.pending = null;
  }

  close(): Promise<void> {
    this.closing = true;
    void this.worker.terminate();
    return this.exited;
  }

  private receive(message: FromGradientWorker): void {
    if (message.type === 'ready') this.started.resolve();
    else if (message.type === 'failed') this.fail(`${this.name} failed: ${message.message}`);
    else if (this.pending?.id === message.id) {
      const { resolve } = this.pending;
      this.pending = null;
      resolve(message.parts);
    }
  }

  private fail(message: string): void {
    if (!this.closing) this.onFailure(new GradientWorkerError(message));
  }
}

export interface GradientPoolOptions {
  /** Threads computing gradients, the trainer's own included (so `threads - 1` workers start). */
  threads: number;
  backend: BackendChoice;
  kind: ModelKind;
  shape: NetShape;
}

/** The trainer's gradient workers, started once per training run and closed when it ends. */
export class GradientPool {
  private readonly workers: GradientThread[];
  private failure: GradientWorkerError | null = null;
  private nextStep = 0;

  constructor(options: GradientPoolOptions) {
    const data: GradientWorkerData = { backend: options.backend, kind: options.kind, shape: options.shape };
    this.workers = Array.from(
      { length: options.threads - 1 },
      (_, k) => new GradientThread(`gradient worker ${k + 1}/${options.threads - 1}`, data, (error) => this.failWith(error)),
    );
  }

  /** Threads that compute a step's parts (the trainer's included). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * A batch's parts cut into one contiguous range per thread: the trainer computes the first (smallest) range
   * while the workers compute theirs; parts are yielded in order, so `trainStep` sums them as it would alone.
   */
  gradients(net: SequentialNet, context: JobContext): PartGradients {
    const local = localGradients(net);
    return async function* (this: GradientPool, parts: readonly TrainBatch[]): AsyncGenerator<LossAndGradients> {
      const [mine, ...theirs] = splitEvenly(parts, this.threads);
      const id = this.nextStep++;
      const weights: [string, Float32Array][] = [];
      for (const [key, variable] of net.variables) weights.push([key, (await variable.data()) as Float32Array]);
      const remote: Promise<PartResult[]>[] = [];
      for (const [k, range] of theirs.entries()) remote.push(this.send(k, id, weights, await Promise.all(range.map(partData))));
      for (const promise of remote) promise.catch(() => undefined); // awaited below, in order
      yield* local(mine);
      for (const promise of remote) {
        for (const part of await this.orCancelled(promise, context)) {
          yield {
            loss: tf.scalar(part.loss),
            grads: new Map(part.grads.map(([key, data]) => [key, tf.tensor(data, net.variables.get(key)!.shape)])),
          };
        }
      }
    }.bind(this);
  }

  /** Ends every worker thread; resolves once they have exited. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private async send(k: number, id: number, weights: [string, Float32Array][], parts: PartData[]): Promise<PartResult[]> {
    const worker = this.workers[k];
    if (this.failure) throw this.failure;
    await worker.ready;
    if (this.failure) throw this.failure;
    return worker.compute(id, weights, parts);
  }

  private failWith(error: GradientWorkerError): void {
    if (this.failure) return;
    this.failure = error;
    for (const worker of this.workers) worker.abandon(error);
    void this.close(); // one failed worker stops the others
  }

  /** Waits for a worker's result, or throws once the job is cancelled (workers are closed by the trainer). */
  private async orCancelled<T>(promise: Promise<T>, context: JobContext): Promise<T> {
    let poll: NodeJS.Timeout | undefined;
    const cancelled = new Promise<never>((_, reject) => {
      poll = setInterval(() => {
        try {
          context.throwIfCancelled();
        } catch (error) {
          reject(error as Error);
        }
      }, CANCEL_POLL_MS);
    });
    try {
      return await Promise.race([promise, cancelled]);
    } finally {
      clearInterval(poll);
    }
  }
}

async function partData(part: TrainBatch): Promise<PartData> {
  const data = async (t: tf.Tensor) => ({ shape: t.shape, data: (await t.data()) as Float32Array });
  return {
    input: await data(part.input),
    label: await data(part.label),
    valid: part.valid ? await data(part.valid) : null,
    posWeight: part.posWeight,
  };
}
