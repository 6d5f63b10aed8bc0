/**
 * Measure a full-size Clay v1.5 encoder (released shapes, see clay-v15-released-shapes.ts; random weights
 * built in memory) embedding one chip size on the shared tfjs backend: seconds per chip, RSS after load,
 * peak RSS. `--layers K` builds only K of the 24 transformer blocks and extrapolates to 24 (blocks are
 * identical in cost; the patch embedding is <1 % of the work), saying so in the JSON.
 *   npx tsx test/bench/clay-full-size-v15.ts [--size 256] [--chips 2] [--layers 24] [--bands 10] [--tile 0]
 * `--tile 256` encodes the chip as 256² tiles with their grids stitched, as `embed` does for v1.5 (0 = whole chip).
 * FLOODLENS_BACKEND=cpu|wasm|webgpu forces a backend. Prints one JSON line at the end.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { clayEncoderFromTensors } from '../../src-main/engine/clay/load.ts';
import { embedInTiles } from '../../src-main/engine/embedding/encoder-tiles.ts';
import type { TensorRecord } from '../../src-main/engine/compute/tensor-record.ts';
import { releasedV15EncoderShapes, V15_LARGE } from './clay-v15-released-shapes.ts';

/** Sentinel-2 L2A wavelengths (µm) of Clay's metadata.yaml, then Sentinel-1 VV/VH. */
const S2_WAVES = [0.493, 0.56, 0.665, 0.704, 0.74, 0.783, 0.842, 0.865, 1.61, 2.19];
const S1_WAVES = [3.5, 4.0];

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

export function releasedV15Weights(depth: number = V15_LARGE.depth): Map<string, TensorRecord> {
  const m = new Map<string, TensorRecord>();
  let seed = 1;
  for (const [key, shape] of releasedV15EncoderShapes(depth)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNorm = /norm\d?\.(weight|bias)$|net\.0\.(weight|bias)$/.test(key);
    const data = isNorm
      ? new Float32Array(n).fill(key.endsWith('weight') ? 1 : 0)
      : uniform(n, shape.length > 1 ? 1 / Math.sqrt(shape.at(-1)!) : 0.02, seed++);
    m.set(key, { shape, data });
  }
  return m;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '256' },
      chips: { type: 'string', default: '2' },
      layers: { type: 'string', default: '24' },
      bands: { type: 'string', default: '10' },
      tile: { type: 'string', default: '0' },
    },
  });
  const tile = Number(values.tile) || null;
  const size = Number(values.size);
  const chips = Number(values.chips);
  const layers = Math.min(V15_LARGE.depth, Number(values.layers));
  const waves = Number(values.bands) === 2 ? S1_WAVES : S2_WAVES.slice(0, Number(values.bands));
  const backend = await initBackend();
  const rssStart = mb(process.memoryUsage().rss);
  const t0 = performance.now();
  const weights = releasedV15Weights(layers);
  let params = 0;
  for (const t of weights.values()) params += t.data.length;
  const encoder = clayEncoderFromTensors(weights, { heads: V15_LARGE.heads, consume: true });
  const loadMs = performance.now() - t0;
  const rssAfterLoad = mb(process.memoryUsage().rss);
  const c = waves.length;
  const batch = {
    pixels: uniform(c * size * size, 2, 99),
    shape: [1, c, size, size] as [number, number, number, number],
    latlon: new Float32Array([0.748707, 0.662901, 0.296022, 0.955181]),
    time: new Float32Array([-0.885456, 0.464723, 0.5, -0.866025]),
    waves,
    gsd: 10,
  };
  const times: number[] = [];
  let outShape: number[] = [];
  let tiles = 1;
  let finite = true;
  for (let i = 0; i < chips; i++) {
    const s = performance.now();
    const { grid, shape, tiles: forwards } = await embedInTiles(encoder, batch, tile);
    tiles = forwards;
    times.push(performance.now() - s);
    outShape = shape;
    finite &&= grid.every(Number.isFinite);
    console.error(
      `${size}² chip ${i}: ${(times.at(-1)! / 1000).toFixed(2)} s (${layers}/${V15_LARGE.depth} layers), rss ${mb(process.memoryUsage().rss)} MB`,
    );
  }
  const wasmHeap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length;
  encoder.dispose();
  // The first chip warms up (kernel compilation, allocations): the median is over the others.
  const sorted = (times.length > 1 ? times.slice(1) : times).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] / 1000;
  const layerMb = ((V15_LARGE.dim * V15_LARGE.dim * 4 + 2 * V15_LARGE.dim * V15_LARGE.mlp) * 4) / 2 ** 20;
  const scale = V15_LARGE.depth / layers;
  console.log(
    JSON.stringify({
      bench: 'clay-v1.5-full-size',
      backend: backend.backend,
      device: backend.device,
      size,
      tile: tiles > 1 ? tile : null,
      tiles,
      bands: c,
      layersMeasured: layers,
      params,
      loadSeconds: +(loadMs / 1000).toFixed(2),
      secondsPerChip: times.map((t) => +(t / 1000).toFixed(2)),
      medianSecondsPerChip: +median.toFixed(2),
      // Extrapolated to 24 layers when fewer were built (time ∝ layers; weights + 50 MB per missing layer).
      secondsPerChip24Layers: +(median * scale).toFixed(1),
      extrapolated: layers < V15_LARGE.depth,
      rssStartMb: rssStart,
      rssAfterLoadMb: rssAfterLoad,
      peakRssMb: peakRssMb(),
      peakRssMb24Layers: Math.round(peakRssMb() + (V15_LARGE.depth - layers) * layerMb),
      wasmHeapMb: wasmHeap === undefined ? undefined : mb(wasmHeap),
      gridShape: outShape,
      finite,
    }),
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
