/**
 * A trained run seen as a function of one scene window: raw band values in, water probabilities out.
 * Every model kind the engine trains goes through here, so tiling, streaming and sharding are shared:
 * pixel nets (scratch) here, Clay heads in encoder-window-model.ts, the Otsu baseline in otsu-window-model.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunRecord } from '../../api/run.ts';
import { CanonicalBandSchema } from '../../api/dataset.ts';
import { loadRunNet, type CheckpointChoice } from '../run/trained-run.ts';
import { normalisePixels, rawBandsFor } from '../inputs/input-normalisation.ts';
import { usesEmbeddings } from '../inputs/training-source.ts';
import { toNhwc } from '../inputs/batches.ts';
import { retryWithSmallerChunks } from '../compute/gpu-memory.ts';
import { guardGpu } from '../compute/webgpu.ts';
import { logitsInBands } from '../models/logits-in-bands.ts';
import { scenePlan, ScenePlanError, type ScenePlan } from './scene-plan.ts';
import type { SceneInfo } from './scene-source.ts';
import { validWhereAny, type WindowModel } from './window.ts';
import { encoderGeometry, openEncoderWindowModel } from './encoder-window-model.ts';
import { openOtsuWindowModel } from './otsu-window-model.ts';

export interface WindowModelOptions {
  /** The plan's window edge (px). */
  window: number;
  /** Otsu runs: the scene's threshold when already computed (workers of one scene share it). */
  otsuThresholdDb?: number;
  /** Told when a window is retried smaller after the GPU ran out of memory. */
  log?: (line: string) => void;
}

/** Window a pixel net predicts in by default: the size it was trained on (random crops, else its chips). */
export function defaultWindow(record: RunRecord): number {
  return record.config.chipSize ?? 512;
}

/**
 * How a run cuts a scene. Pixel nets: `window` (default: the training size) with `overlap` (default window/4).
 * Clay heads: cores of `window` px (default one encoder tile; a whole number of tiles) on the scene's encoder-tile
 * grid, each window one encoder tile larger on every side (what the decoder sees around its core).
 * The Otsu baseline is per pixel once its threshold is known: 512-px windows, no overlap.
 */
export function scenePlanFor(record: RunRecord, width: number, height: number, window?: number, overlap?: number): ScenePlan {
  if (record.model.kind === 'otsu') return scenePlan(width, height, window ?? 512, overlap ?? 0);
  if (!usesEmbeddings(record.model.kind)) return scenePlan(width, height, window ?? defaultWindow(record), overlap);
  const { tile } = encoderGeometry(record);
  const core = window ?? tile;
  if (core % tile !== 0)
    throw new ScenePlanError(`a ${record.model.kind} run encodes ${tile}² tiles: the window must be a multiple of ${tile}, got ${core}`);
  if (overlap !== undefined && overlap !== 2 * tile)
    throw new ScenePlanError(`a ${record.model.kind} run sees one encoder tile (${tile} px) around each window: --overlap does not apply`);
  return scenePlan(width, height, core + 2 * tile, 2 * tile);
}

export async function openWindowModel(
  runDir: string,
  record: RunRecord,
  scene: SceneInfo,
  which: CheckpointChoice,
  options: WindowModelOptions,
): Promise<WindowModel> {
  if (record.model.kind === 'otsu') return openOtsuWindowModel(record, scene, which, options.otsuThresholdDb);
  if (usesEmbeddings(record.model.kind)) return openEncoderWindowModel(runDir, record, scene, which, options.window);
  return openPixelWindowModel(runDir, record, scene, which, options.log);
}

async function openPixelWindowModel(
  runDir: string,
  record: RunRecord,
  scene: SceneInfo,
  which: CheckpointChoice,
  log: (line: string) => void = () => undefined,
): Promise<WindowModel> {
  const bands = record.data.inputBands.map((band) => CanonicalBandSchema.parse(band));
  const normalisation = record.data.normalisation ?? { kind: 'clay-v0' as const };
  const rawBands = rawBandsFor(bands, normalisation);
  if (!bands.some((band) => scene.bands.some((b) => b.name === band))) {
    throw new Error(
      `${scene.path} has none of the bands the run was trained on (${bands.join(', ')}); it has ${scene.bands.map((b) => b.name).join(', ')}`,
    );
  }
  const { net, epoch } = await loadRunNet(runDir, record, which, { inputGrid: null, outputSize: null });
  const inputChannels = bands.length;
  // Rows of a window computed at once: the whole window until the GPU runs out of memory, then halved (exact: logits-in-bands.ts).
  let rows = Infinity;
  return {
    record,
    checkpoint: { which, epoch },
    rawBands,
    maskThreshold: record.config.threshold,
    async predict(raw, window) {
      const plane = window * window;
      const inputValid = validWhereAny(
        raw,
        bands.map((band) => rawBands.indexOf(band)),
        plane,
      );
      const pixels = normalisePixels(
        { width: window, height: window, bands: [...rawBands], pixels: raw.pixels, present: raw.present },
        bands,
        normalisation,
        scene.s1Units,
      );
      const attempt = (bandRows: number) =>
        guardGpu(async () => {
          const probabilities = tf.tidy(() => {
            const input = toNhwc([{ input: pixels, channels: inputChannels, inputHeight: window, inputWidth: window }]);
            return tf.sigmoid(logitsInBands(net, input, bandRows)).reshape([plane]);
          });
          try {
            return (await probabilities.data()) as Float32Array;
          } finally {
            probabilities.dispose();
          }
        });
      const { value, chunk } = await retryWithSmallerChunks(
        Math.min(rows, window),
        attempt,
        (next, error) => log(`${error.message}: predicting this ${window}² window in bands of ${next} rows`),
        'row',
      );
      rows = chunk;
      return { probabilities: value, inputValid };
    },
    dispose: () => net.dispose(),
  };
}
