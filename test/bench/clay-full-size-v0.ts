/**
 * Measure a full-size Clay v0 encoder (released shapes: dim 768, depth 12, 12 heads, MLP 3072,
 * 13 bands in 6 groups, patch 32; random weights built in memory) embedding 512² chips on the
 * shared tfjs backend: load time, time per chip, RSS after load and peak RSS.
 *   npx tsx test/bench/clay-full-size-v0.ts [chips=3] [batch=1]
 * FLOODLENS_BACKEND=cpu|wasm forces a backend. Prints one JSON line at the end.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { CLAY_V0_BAND_GROUPS } from '../../src-main/engine/clay/identify.ts';
import { clayEncoderFromTensors } from '../../src-main/engine/clay/load.ts';
import type { TensorRecord } from '../../src-main/engine/compute/tensor-record.ts';

const DIM = 768;
const DEPTH = 12;
const MLP = 3072;
const PATCH = 32;

/** Deterministic uniform(-a, a) values (LCG), torch-default-like scale so activations stay sane. */
function uniform(n: number, a: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * a;
  }
  return out;
}

export function releasedV0Weights(): Map<string, TensorRecord> {
  const m = new Map<string, TensorRecord>();
  let seed = 1;
  const p = 'model.encoder.';
  const lin = (key: string, out: number, inp: number, bias = true, inShape?: number[]) => {
    m.set(`${p}${key}.weight`, { shape: inShape ? [out, ...inShape] : [out, inp], data: uniform(out * inp, 1 / Math.sqrt(inp), seed++) });
    if (bias) m.set(`${p}${key}.bias`, { shape: [out], data: uniform(out, 1 / Math.sqrt(inp), seed++) });
  };
  const ln = (key: string) => {
    m.set(`${p}${key}.weight`, { shape: [DIM], data: new Float32Array(DIM).fill(1) });
    m.set(`${p}${key}.bias`, { shape: [DIM], data: new Float32Array(DIM) });
  };
  lin('latlon_embedding', DIM, 2);
  lin('time_embedding', DIM, 3);
  for (const g of CLAY_V0_BAND_GROUPS) {
    const c = g.bands.length;
    lin(`patch_embedding.${g.name}.proj`, DIM, c * PATCH * PATCH, true, [c, PATCH, PATCH]);
    ln(`patch_embedding.${g.name}.norm`);
  }
  ln('transformer.norm');
  for (let i = 0; i < DEPTH; i++) {
    ln(`transformer.layers.${i}.0.norm`);
    lin(`transformer.layers.${i}.0.to_qkv`, 3 * DIM, DIM, false);
    lin(`transformer.layers.${i}.0.to_out.0`, DIM, DIM);
    ln(`transformer.layers.${i}.1.net.0`);
    lin(`transformer.layers.${i}.1.net.1`, MLP, DIM);
    lin(`transformer.layers.${i}.1.net.4`, DIM, MLP);
  }
  return m;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const chips = Number(process.argv[2] ?? 3);
  const batch = Number(process.argv[3] ?? 1);
  const backend = await initBackend();
  const rssStart = mb(process.memoryUsage().rss);
  const t0 = performance.now();
  const weights = releasedV0Weights();
  let params = 0;
  for (const t of weights.values()) params += t.data.length;
  const encoder = clayEncoderFromTensors(weights, { heads: 12, consume: true });
  const loadMs = performance.now() - t0;
  const rssAfterLoad = mb(process.memoryUsage().rss);
  const pixels = uniform(batch * 13 * 512 * 512, 2, 99);
  const shape: [number, number, number, number] = [batch, 13, 512, 512];
  const latlon = uniform(batch * 2, 1, 7);
  const time = uniform(batch * 3, 1, 8);
  const times: number[] = [];
  let outShape: number[] = [];
  let finite = true;
  for (let i = 0; i < Math.ceil(chips / batch); i++) {
    const s = performance.now();
    const { grid, shape: gs } = await encoder.embed({ pixels, shape, latlon, time });
    times.push((performance.now() - s) / batch);
    outShape = gs;
    finite &&= grid.every(Number.isFinite);
    console.error(`chip(s) ${i}: ${(times.at(-1)! / 1000).toFixed(2)} s per chip, rss ${mb(process.memoryUsage().rss)} MB`);
  }
  const tfMemoryMb = mb(tf.memory().numBytes);
  // The wasm heap only grows: its size is the backend's high-water mark (weights + largest activations).
  const wasmHeap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length;
  encoder.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      backend: backend.backend,
      device: backend.device,
      params,
      weightsMb: mb(params * 4),
      batch,
      loadSeconds: +(loadMs / 1000).toFixed(2),
      secondsPerChip: times.map((t) => +(t / 1000).toFixed(2)),
      medianSecondsPerChip: +(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(2),
      rssStartMb: rssStart,
      rssAfterLoadMb: rssAfterLoad,
      peakRssMb: peakRssMb(),
      tfTensorsMb: tfMemoryMb,
      wasmHeapMb: wasmHeap === undefined ? undefined : mb(wasmHeap),
      gridShape: outShape,
      finite,
    }),
  );
}

await main();
