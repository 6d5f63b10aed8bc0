/**
 * Encodes a chip as square tiles and stitches the tiles' patch grids into the chip's grid, so the decoder
 * sees the same [B, D, H/P, W/P] as from one whole-chip forward. Clay v1.5 was trained on 256² chips and a
 * 512² forward costs 2.5–4× more per area on CPU (attention grows with the square of the tokens):
 * docs/EMBEDDINGS.md. Every tile gets the chip's time and location; tiles are encoded one after another,
 * so memory is one tile's forward.
 */
import type { ClayBatch, ClayEmbedding, Shape4 } from '../clay/index.ts';

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

export async function embedInTiles(
  encoder: { embed(batch: ClayBatch): Promise<ClayEmbedding> },
  batch: ClayBatch,
  tile: number | null,
): Promise<TiledEmbedding> {
  const [b, , h, w] = batch.shape;
  if (!tilesFit(h, w, tile)) return { ...(await encoder.embed(batch)), tiles: 1, tile: null };
  let out: Float32Array | null = null;
  let shape: Shape4 | null = null;
  let tiles = 0;
  for (let top = 0; top < h; top += tile) {
    for (let left = 0; left < w; left += tile) {
      const part = await encoder.embed(cropBatch(batch, top, left, tile));
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
      tiles++;
    }
  }
  return { grid: out!, shape: shape!, tiles, tile };
}
