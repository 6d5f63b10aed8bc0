/**
 * Encodes a chip as square tiles and stitches the tiles' patch grids into the chip's grid, so the decoder
 * sees the same [B, D, H/P, W/P] as from one whole-chip forward. Clay v1.5 was trained on 256² chips and a
 * 512² forward costs 2.5–4× more per area on CPU (attention grows with the square of the tokens):
 * docs/EMBEDDINGS.md. Every tile gets the chip's time and location; on CPU backends tiles are encoded one after
 * another, so memory is one tile's forward; on a GPU several at once (TileBatching).
 */
import * as tf from '@tensorflow/tfjs';
import type { ClayBatch, ClayEmbedding, Shape4 } from '../clay/index.ts';
import { retryWithSmallerChunks } from '../compute/gpu-memory.ts';
import { guardGpu } from '../compute/webgpu.ts';

export interface TiledEmbedding extends ClayEmbedding {
  /** Forwards run: 1 for a whole chip. */
  tiles: number;
  /** Tile side used, null = the whole chip in one forward. */
  tile: number | null;
}

/** Whether a chip is encoded in tiles of `tile` (larger than one tile, and a whole number of tiles on both sides). */
export function tilesFit(height: number, width: number, tile: number | null): tile is number {
  return tile !== null && (height > tile || width > tile) && height % tile === 0 && width % tile === 0;
}

/** Pixels [B, C, tile, tile] of one tile, C order. */
export function cropBatch(batch: ClayBatch, top: number, left: number, tile: number): ClayBatch {
  const [b, c, h, w] = batch.shape;
  const pixels = new Float32Array(b * c * tile * tile);
  for (let plane = 0; plane < b * c; plane++) {
    for (let r = 0; r < tile; r++) {
      const src = plane * h * w + (top + r) * w + left;
      pixels.set(batch.pixels.subarray(src, src + tile), (plane * tile + r) * tile);
    }
  }
  return { ...batch, pixels, shape: [b, c, tile, tile] };
}

/**
 * How many tiles one encoder forward takes: 1 on CPU backends (memory stays one tile's forward), more on a GPU,
 * where a batch of tiles runs in about the time of one. After an out-of-memory error the count is halved and kept
 * for the next chips (down to one tile, then a clear error); `log` is told why.
 */
export interface TileBatching {
  tiles: number;
  log?: (line: string) => void;
}

/** One tile per forward on CPU backends, every tile of a chip at once on WebGPU (halved on out-of-memory). */
export function defaultTileBatching(log?: (line: string) => void): TileBatching {
  return { tiles: tf.getBackend() === 'webgpu' ? Infinity : 1, log };
}

type Embedder = { embed(batch: ClayBatch): Promise<ClayEmbedding> };

/** The tiles at `origins` of every chip of `batch`, as one batch [origins × B, C, tile, tile] (origin-major). */
function tileBatch(batch: ClayBatch, origins: readonly (readonly [number, number])[], tile: number): ClayBatch {
  const crops = origins.map(([top, left]) => cropBatch(batch, top, left, tile));
  if (crops.length === 1) return crops[0];
  const [b, c] = batch.shape;
  const join = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  return {
    ...batch,
    pixels: join(crops.map((crop) => crop.pixels)),
    shape: [origins.length * b, c, tile, tile],
    latlon: join(crops.map(() => batch.latlon)),
    time: join(crops.map(() => batch.time)),
  };
}

/** `encoder.embed`, inside the GPU's error scopes, over groups of tiles that fit: halved after an out-of-memory error. */
async function embedTileGroups(
  encoder: Embedder,
  batch: ClayBatch,
  origins: readonly (readonly [number, number])[],
  tile: number,
  batching: TileBatching,
): Promise<ClayEmbedding[]> {
  const out: ClayEmbedding[] = [];
  for (let i = 0; i < origins.length;) {
    const { value, chunk } = await retryWithSmallerChunks(
      Math.min(batching.tiles, origins.length - i),
      (count) => guardGpu(() => encoder.embed(tileBatch(batch, origins.slice(i, i + count), tile))),
      (next, error) => batching.log?.(`${error.message}: encoding ${next} tile(s) at a time`),
      'tile',
    );
    batching.tiles = chunk;
    const [n, d, gh, gw] = value.shape;
    const perTile = n / Math.min(chunk, origins.length - i);
    const size = perTile * d * gh * gw;
    for (let t = 0; t * perTile < n; t++) {
      out.push({ grid: value.grid.subarray(t * size, (t + 1) * size), shape: [perTile, d, gh, gw] });
    }
    i += chunk;
  }
  return out;
}

export async function embedInTiles(
  encoder: Embedder,
  batch: ClayBatch,
  tile: number | null,
  batching: TileBatching = { tiles: 1 },
): Promise<TiledEmbedding> {
  const [b, , h, w] = batch.shape;
  if (!tilesFit(h, w, tile)) {
    const { value } = await retryWithSmallerChunks(1, () => guardGpu(() => encoder.embed(batch)), undefined, 'chip');
    return { ...value, tiles: 1, tile: null };
  }
  const origins: [number, number][] = [];
  for (let top = 0; top < h; top += tile) for (let left = 0; left < w; left += tile) origins.push([top, left]);
  const parts = await embedTileGroups(encoder, batch, origins, tile, batching);
  let out: Float32Array | null = null;
  let shape: Shape4 | null = null;
  parts.forEach((part, index) => {
    const [top, left] = origins[index];
    const [, d, gh, gw] = part.shape;
    const cell = tile / gh;
    if (!shape) {
      shape = [b, d, h / cell, w / cell];
      out = new Float32Array(b * d * shape[2] * shape[3]);
    }
    const [, , height, width] = shape;
    for (let plane = 0; plane < b * d; plane++) {
      for (let r = 0; r < gh; r++) {
        const dst = plane * height * width + (top / cell + r) * width + left / cell;
        out!.set(part.grid.subarray((plane * gh + r) * gw, (plane * gh + r + 1) * gw), dst);
      }
    }
  });
  return { grid: out!, shape: shape!, tiles: parts.length, tile };
}
