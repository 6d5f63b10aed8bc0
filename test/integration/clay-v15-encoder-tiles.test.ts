import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import { loadClayEncoder, type ClayBatch, type ClayEncoder } from '../../src-main/engine/clay/index.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { clayInputForChip, encoderTileFor, inputRecipeId } from '../../src-main/engine/embedding/clay-inputs.ts';
import { EmbeddingCacheMismatchError, embedChips } from '../../src-main/engine/embedding/embed-chips.ts';
import { EmbeddingStore } from '../../src-main/engine/embedding/embedding-store.ts';
import { embedInTiles } from '../../src-main/engine/embedding/encoder-tiles.ts';
import { embeddingsForTraining } from '../../src-main/engine/embedding/training-embeddings.ts';
import { hasShared, reportSkippedWithoutShared, sharedData, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('Clay v1.5 encodes a real 512² S1 chip as 256² tiles');

const CHIP = 'Ghana_97059';
const checkpoint = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
const work = mkdtempSync(join(tmpdir(), 'floodlens-v15-tiles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One tile cut out element by element (independent of the engine's row copies). */
function quadrant(batch: ClayBatch, top: number, left: number, side: number): ClayBatch {
  const [b, c, h, w] = batch.shape;
  const pixels = new Float32Array(b * c * side * side);
  for (let p = 0; p < b * c; p++)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) pixels[(p * side + y) * side + x] = batch.pixels[(p * h + top + y) * w + left + x];
  return { ...batch, pixels, shape: [b, c, side, side] };
}

describe.skipIf(!hasShared)('Clay v1.5 on a 512² Sentinel-1 chip: 256² tiles, grids stitched', () => {
  let encoder: ClayEncoder;
  let chip: ChipInfo;
  let batch: ClayBatch;
  const data = join(work, 's1_label');

  beforeAll(async () => {
    mkdirSync(data);
    for (const kind of ['S1Hand', 'LabelHand'])
      symlinkSync(sharedData('sen1floods11', 's1_label', `${CHIP}_${kind}.tif`), join(data, `${CHIP}_${kind}.tif`));
    chip = (await inspectDataset(data)).chips.find((c) => c.id === CHIP)!;
    batch = (await clayInputForChip(chip, 'v1.5')).batch;
    encoder = await loadClayEncoder(checkpoint);
  }, 120_000);
  afterAll(() => encoder?.dispose());

  it('the stitched grid has the whole chip’s shape and each quadrant equals that 256² crop encoded alone, exactly', async () => {
    expect(batch.shape).toEqual([1, 2, 512, 512]);
    const tiled = await embedInTiles(encoder, batch, encoderTileFor('v1.5', undefined));
    const dim = encoder.info.dim;
    expect(tiled).toMatchObject({ tiles: 4, tile: 256, shape: [1, dim, 64, 64] });
    for (const [top, left] of [
      [0, 0],
      [0, 256],
      [256, 0],
      [256, 256],
    ]) {
      const alone = await encoder.embed(quadrant(batch, top, left, 256));
      expect(alone.shape).toEqual([1, dim, 32, 32]);
      let mismatches = 0;
      for (let d = 0; d < dim; d++) {
        for (let r = 0; r < 32; r++) {
          for (let c = 0; c < 32; c++) {
            if (tiled.grid[(d * 64 + top / 8 + r) * 64 + left / 8 + c] !== alone.grid[(d * 32 + r) * 32 + c]) mismatches++;
          }
        }
      }
      expect(mismatches, `quadrant at ${top},${left}`).toBe(0);
    }
    // Tiling changes the encoding (each tile attends within itself): a whole-chip forward differs.
    const whole = await embedInTiles(encoder, batch, encoderTileFor('v1.5', 0));
    expect(whole).toMatchObject({ tiles: 1, tile: null, shape: [1, dim, 64, 64] });
    expect(whole.grid.some((v, i) => v !== tiled.grid[i])).toBe(true);
  }, 300_000);

  it('the embeddings cache records the tiles; a whole-chip request is refused on it and v0 refuses a tile', async () => {
    const dir = join(work, 'embeddings');
    const context = new LocalJobContext('embed');
    const result = await embedChips(checkpoint, [chip], dir, context, { encoderCacheDir: null });
    expect(result).toMatchObject({ computed: [CHIP], failed: [], encoderTile: 256, recipe: 'clay-v1.5/auto/latlon-training/tile-256' });
    const store = await EmbeddingStore.open(dir);
    expect(store.recipe).toBe(inputRecipeId('v1.5', { encoderTile: 256 }));
    expect(store.entry(CHIP)!.inputs).toBe('clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10, 4 tiles of 256² (grids stitched)');
    expect([store.grid.height, store.grid.width, store.pixelsPerCell]).toEqual([64, 64, 8]);
    expect(JSON.parse(readFileSync(join(dir, 'embeddings.json'), 'utf8')).recipe).toMatch(/tile-256$/);
    await expect(embedChips(checkpoint, [chip], dir, context, { encoderCacheDir: null, inputs: { encoderTile: 0 } })).rejects.toThrow(
      EmbeddingCacheMismatchError,
    );
    expect(inputRecipeId('v1.5', { encoderTile: 0 })).toBe('clay-v1.5/auto/latlon-training');
    expect(() => encoderTileFor('v0', 256)).toThrow(/Clay v0 encodes whole 512² chips/);
    expect(encoderTileFor('v0', undefined)).toBeNull();
  }, 300_000);

  it('a run without an explicit tile keeps the tiling of the folder it embedded into (runs from before tiling: whole chips)', async () => {
    const dir = join(work, 'embeddings-whole');
    await embedChips(checkpoint, [chip], dir, new LocalJobContext('embed'), { encoderCacheDir: null, inputs: { encoderTile: 0 } });
    const config = { encoder: checkpoint, embeddingsDir: dir, model: 'clay-decoder', encoderTile: null };
    const reused = await embeddingsForTraining(config, [chip], { encoderCacheDir: null });
    expect(reused.notes[0]).toMatch(/0 computed, 1 reused/);
    expect(reused.encoderInputs).toMatchObject({
      version: 'v1.5',
      encoderTile: null,
      recipes: ['clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10'],
    });
    await expect(embeddingsForTraining({ ...config, encoderTile: 256 }, [chip], { encoderCacheDir: null })).rejects.toThrow(
      /encoder tile 0 \(whole chips/,
    );
  }, 300_000);
});
