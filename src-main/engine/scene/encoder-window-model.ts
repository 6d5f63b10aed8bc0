/**
 * A Clay head (clay-decoder, linear-probe) over scene windows. The scene is encoded in square encoder tiles
 * on one grid (tile (i, j) covers rows i·T…, columns j·T…; reflect-padded past the edges), each tile built
 * exactly as a training chip's tiles were (embedding/clay-inputs.ts, embedding/encoder-tiles.ts), with the
 * scene's centre and date as every tile of a chip had the chip's. The head then decodes a window's core tiles
 * together with a rim of their neighbours' patch cells, so its output there is what it would be on the
 * whole stitched grid: a pixel depends only on the scene and the plan (1 or N workers, any shard: the same
 * bytes), and tiled prediction equals whole-chip prediction away from the chip's border.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { RunRecord } from '../../api/run.ts';
import { nativeBbox, wgs84Centre } from '../geo/bbox.ts';
import { loadRunNet, type CheckpointChoice } from '../run/trained-run.ts';
import { toNhwc } from '../inputs/batches.ts';
import { clayBandsFor, clayInputForRaster, encoderTileFor, type ClayRasterContext } from '../embedding/clay-inputs.ts';
import { cropBatch, embedInTiles } from '../embedding/encoder-tiles.ts';
import { openEncoder } from '../embedding/encoder-file.ts';
import { EMBEDDINGS_INDEX, EmbeddingStore } from '../embedding/embedding-store.ts';
import type { SceneInfo } from './scene-source.ts';
import { validWhereAny, type WindowModel } from './window.ts';

/** Whole-chip encoders (Clay v0; v1.5 runs trained with encoder tile 0) encode the Sen1Floods11 chip size. */
const WHOLE_CHIP = 512;
/** Tile embeddings kept for neighbouring windows (a window shares all but one tile column with the previous one). */
const TILE_CACHE_BYTES = 256 * 2 ** 20;

/** The encoder version a head was trained on, and the square tile it encodes scenes in. */
export function encoderGeometry(record: RunRecord): { version: 'v0' | 'v1.5'; tile: number } {
  const inputs = record.data.inputBands[0] ?? '';
  const version = inputs === 'embedding:clay-v0' ? 'v0' : inputs === 'embedding:clay-v1.5' ? 'v1.5' : null;
  if (!version) throw new Error(`run ${record.id} was trained on "${inputs}", not on the embeddings of a Clay encoder the engine knows`);
  const recorded = record.data.encoderInputs;
  const tile = recorded && recorded.encoderTile !== undefined ? recorded.encoderTile : encoderTileFor(version, record.config.encoderTile);
  return { version, tile: tile ?? WHOLE_CHIP };
}

/** Patch cells of context decoded around a window's core: beyond the heads' reach (< 1 cell), at least 32 px. */
const rimCells = (patch: number) => Math.max(2, Math.ceil(32 / patch));

export async function openEncoderWindowModel(
  runDir: string,
  record: RunRecord,
  scene: SceneInfo,
  which: CheckpointChoice,
  window: number,
): Promise<WindowModel> {
  const { version, tile } = encoderGeometry(record);
  if (window % tile !== 0 || window < 3 * tile)
    throw new Error(`a ${record.model.kind} window is whole ${tile}-px encoder tiles, a core and one tile around it; got ${window}`);
  const file = record.config.encoder;
  if (!file)
    throw new Error(
      `${runDir}: a ${record.model.kind} run trained on an embeddings folder alone cannot predict a scene; retrain it with --encoder <checkpoint> so the scene can be encoded as its chips were`,
    );
  if (!existsSync(file)) throw new Error(`${runDir}: its encoder checkpoint ${file} is not there (moved or deleted)`);
  const { bands: rawBands, platform } = clayBandsFor(version, (band) => scene.bands.some((b) => b.name === band));
  if (!rawBands.some((band) => scene.bands.some((b) => b.name === band)))
    throw new Error(`${scene.path} has none of the bands Clay ${version} reads (${rawBands.join(', ')})`);

  const { encoder, identity } = await openEncoder(file);
  const disposeAll: (() => void)[] = [() => encoder.dispose()];
  try {
    if (identity.version !== version)
      throw new Error(`${file} is a Clay ${identity.version} encoder; run ${record.id} was trained on Clay ${version}`);
    const embeddingsDir = record.config.embeddingsDir;
    if (embeddingsDir && existsSync(join(embeddingsDir, EMBEDDINGS_INDEX))) {
      const store = await EmbeddingStore.open(embeddingsDir);
      if (store.encoderFingerprint !== identity.fingerprint)
        throw new Error(
          `${file} is not the encoder run ${record.id} was trained with (its embeddings in ${embeddingsDir} come from ${store.encoderFingerprint.slice(0, 12)}, this file is ${identity.fingerprint.slice(0, 12)})`,
        );
    }
    const { patchSize, embeddingChannels } = encoder.info;
    if (embeddingChannels !== record.model.inputChannels)
      throw new Error(`${file} gives ${embeddingChannels}-channel embeddings; run ${record.id} takes ${record.model.inputChannels}`);
    if (tile % patchSize !== 0) throw new Error(`encoder tile ${tile} is not a whole number of ${patchSize}-px patches`);
    const cells = tile / patchSize;
    const rim = Math.min(rimCells(patchSize), cells);

    const context: ClayRasterContext = {
      id: scene.path,
      centre: wgs84Centre(nativeBbox(scene.geoTransform, scene.width, scene.height), scene.crs),
      date: scene.date,
      s1Units: scene.s1Units,
    };
    const cache = new Map<string, Float32Array>();
    let cachedBytes = 0;
    const tileEmbedding = async (
      raw: { pixels: Float32Array; present: boolean[] },
      window: number,
      key: string,
      top: number,
      left: number,
    ) => {
      const hit = cache.get(key);
      if (hit) return hit;
      const windowRaster = { width: window, height: window, bands: [...rawBands], pixels: raw.pixels, present: raw.present };
      const pixels = cropBatch(
        { pixels: raw.pixels, shape: [1, rawBands.length, window, window], latlon: new Float32Array(), time: new Float32Array() },
        top,
        left,
        tile,
      ).pixels;
      const input = clayInputForRaster({ ...windowRaster, width: tile, height: tile, pixels }, context, version, platform);
      const { grid, shape } = await embedInTiles(encoder, input.batch, null);
      if (shape[1] !== embeddingChannels || shape[2] !== cells || shape[3] !== cells)
        throw new Error(
          `${file}: a ${tile}² tile gave a [${shape.slice(1).join(', ')}] grid, expected [${embeddingChannels}, ${cells}, ${cells}]`,
        );
      while (cachedBytes + grid.byteLength > TILE_CACHE_BYTES && cache.size > 0) {
        const [oldest, value] = cache.entries().next().value!;
        cache.delete(oldest);
        cachedBytes -= value.byteLength;
      }
      cache.set(key, grid);
      cachedBytes += grid.byteLength;
      return grid;
    };

    // The head decodes a window's core cells and a rim of neighbouring cells: its grid is fixed by the window.
    const coreCells = (window / tile - 2) * cells;
    const size = coreCells + 2 * rim;
    const { net, epoch } = await loadRunNet(runDir, record, which, {
      inputGrid: [size, size],
      outputSize: [size * patchSize, size * patchSize],
    });
    disposeAll.push(() => net.dispose());

    return {
      record,
      checkpoint: { which, epoch },
      rawBands,
      maskThreshold: record.config.threshold,
      async predict(raw, windowSize, origin) {
        if (windowSize !== window) throw new Error(`this model was opened for ${window}-px windows, got ${windowSize}`);
        const n = window / tile;
        if (origin.x % tile !== 0 || origin.y % tile !== 0)
          throw new Error(`window at (${origin.x}, ${origin.y}) is not on the ${tile}-px encoder tile grid`);
        const tiles: Float32Array[][] = [];
        for (let i = 0; i < n; i++) {
          tiles.push([]);
          for (let j = 0; j < n; j++) {
            // Corner tiles only lend a rim × rim corner; every tile of the window is still encoded once.
            const key = `${origin.y / tile + i},${origin.x / tile + j}`;
            tiles[i].push(await tileEmbedding(raw, window, key, i * tile, j * tile));
          }
        }
        const first = cells - rim; // window cell where the decoded grid starts
        const input = new Float32Array(embeddingChannels * size * size);
        const plane = cells * cells;
        for (let r = 0; r < size; r++) {
          const wr = first + r;
          const i = Math.floor(wr / cells);
          const tr = wr % cells;
          for (let c0 = 0; c0 < size;) {
            const wc = first + c0;
            const j = Math.floor(wc / cells);
            const tc = wc % cells;
            const run = Math.min(cells - tc, size - c0);
            const grid = tiles[i][j];
            for (let d = 0; d < embeddingChannels; d++) {
              const from = d * plane + tr * cells + tc;
              input.set(grid.subarray(from, from + run), d * size * size + r * size + c0);
            }
            c0 += run;
          }
        }
        const out = size * patchSize;
        const decoded = tf.tidy(() =>
          tf
            .sigmoid(net.logits(toNhwc([{ input, channels: embeddingChannels, inputHeight: size, inputWidth: size }])))
            .reshape([out * out]),
        );
        const values = (await decoded.data()) as Float32Array;
        decoded.dispose();
        const probabilities = new Float32Array(window * window);
        const offset = first * patchSize;
        for (let r = 0; r < out; r++) probabilities.set(values.subarray(r * out, (r + 1) * out), (offset + r) * window + offset);
        const inputValid = validWhereAny(
          raw,
          rawBands.map((_, c) => c),
          window * window,
        );
        return { probabilities, inputValid };
      },
      dispose: () => disposeAll.forEach((dispose) => dispose()),
    };
  } catch (error) {
    disposeAll.forEach((dispose) => dispose());
    throw error;
  }
}
