/**
 * One worker of the `parallel` bench section: starts the engine's backend in this thread, warms a seed
 * net up, says `ready`, then on `go` runs training steps and inference back to back and says `done`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { build, CASES } from './seed-nets.ts';
import { syntheticBatch, timeInference, timeTrainStep } from './step-timing.ts';

const { caseName, steps, backend } = workerData as { caseName: string; steps: number; backend: string };
const port = parentPort!;
await initBackend({ force: backend as 'wasm' });
const c = CASES.find((k) => k.name === caseName)!;
const [n, ch, h, w] = c.inputShape;
const net = build(c);
const batch = syntheticBatch([n, h, w, ch], c.labelSize);
await timeTrainStep(net, batch, { steps: 0, warmup: 1 });
await timeInference(net, batch.input, { steps: 0, warmup: 1 });
port.postMessage('ready');
port.once('message', async () => {
  const t0 = performance.now();
  await timeTrainStep(net, batch, { steps, warmup: 0 });
  const t1 = performance.now();
  await timeInference(net, batch.input, { steps, warmup: 0 });
  port.postMessage({ trainMs: t1 - t0, inferMs: performance.now() - t1 });
  net.dispose();
});
