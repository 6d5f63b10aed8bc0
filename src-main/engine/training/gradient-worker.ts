/**
 * A gradient worker thread of data-parallel training: holds a copy of the run's net, and for each step sets the
 * trainer's weights and returns the loss and gradients of every part it was given. It never updates weights
 * itself: the trainer sums all parts in a fixed order and applies the one Adam step (training/gradient-pool.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../compute/backend.ts';
import { createNet } from '../models/net-factory.ts';
import type { SequentialNet } from '../models/sequential-net.ts';
import { lossAndGradients } from '../models/train-step.ts';
import type { FromGradientWorker, GradientWorkerData, PartResult, TensorData, ToGradientWorker } from './gradient-protocol.ts';

const port = parentPort;
if (!port) throw new Error('gradient-worker must run in a worker thread');
const post = (message: FromGradientWorker) => port.postMessage(message);
const failed = (id: number | null, error: unknown): FromGradientWorker => {
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: 'failed', id, message: e.message, stack: e.stack };
};

async function serve(): Promise<void> {
  const { backend, kind, shape } = workerData as GradientWorkerData;
  await initBackend({ force: backend });
  const net = createNet(kind, shape);
  // One step at a time: the trainer sends the next only after this one's gradients arrived.
  port!.on('message', (message: ToGradientWorker) => {
    computeStep(net, message).then(
      (parts) => post({ type: 'gradients', id: message.id, parts }),
      (error: unknown) => post(failed(message.id, error)),
    );
  });
  post({ type: 'ready' });
}

async function computeStep(net: SequentialNet, message: ToGradientWorker): Promise<PartResult[]> {
  for (const [key, data] of message.weights) {
    const variable = net.variables.get(key);
    if (!variable) throw new Error(`the trainer sent weights for ${key}, which ${net.kind} does not have`);
    tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)));
  }
  const results: PartResult[] = [];
  for (const part of message.parts) {
    const tensor = (t: TensorData) => tf.tensor4d(t.data, t.shape as [number, number, number, number]);
    const batch = { input: tensor(part.input), label: tensor(part.label), valid: part.valid ? tensor(part.valid) : undefined };
    try {
      const { loss, grads } = lossAndGradients(net, { ...batch, posWeight: part.posWeight });
      try {
        const values: [string, Float32Array][] = [];
        for (const [key, g] of grads) values.push([key, (await g.data()) as Float32Array]);
        results.push({ loss: (await loss.data())[0], grads: values });
      } finally {
        tf.dispose([loss, ...grads.values()]);
      }
    } finally {
      tf.dispose([batch.input, batch.label, ...(batch.valid ? [batch.valid] : [])]);
    }
  }
  return results;
}

serve().catch((error: unknown) => post(failed(null, error)));
