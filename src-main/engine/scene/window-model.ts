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
  return openPixelWindowModel(runDir, record, scene, which);
}

async function openPixelWindowModel(runDir: string, record: RunRecord, scene: SceneInfo, which: CheckpointChoice): Promise<WindowModel> {
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
      const probabilities = tf.tidy(() => {
        const input = toNhwc([{ input: pixels, channels: inputChannels, inputHeight: window, inputWidth: window }]);
        return tf.sigmoid(net.logits(input)).reshape([plane]);
      });
      const values = (await probabilities.data()) as Float32Array;
      probabilities.dispose();
      return { probabilities: values, inputValid };
    },
    dispose: () => net.dispose(),
  };
}
