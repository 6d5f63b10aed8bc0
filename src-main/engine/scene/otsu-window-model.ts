/**
 * The Otsu baseline over a scene. Sen1Floods11's Otsu baseline thresholds each image on its own histogram
 * (the engine's chip baseline: one threshold per chip); a scene is one image, so it gets ONE threshold, from
 * the histogram of the whole scene's band in dB — exactly skimage's `threshold_otsu` over all its finite
 * values, streamed in two passes of strips (value range, then counts), never the whole band in memory.
 * Per-window thresholds would step at window edges (seams) and depend on the tiling. The threshold is
 * computed once per scene (workers share it; shards each compute the same value) and recorded in the summary.
 */
import type { RunRecord } from '../../api/run.ts';
import type { S1Units } from '../../api/dataset.ts';
import { normalisePixels } from '../inputs/input-normalisation.ts';
import { OTSU_MASK_THRESHOLD, otsuNormalisation, otsuProbability } from '../run/otsu-predictor.ts';
import { finiteRange, OtsuHistogram } from '../models/otsu.ts';
import type { CheckpointChoice } from '../run/trained-run.ts';
import { SceneReader, type SceneInfo } from './scene-source.ts';
import { validWhereAny, type WindowModel } from './window.ts';

type OtsuBand = RunRecord['config']['otsuBand'];

const STRIP_ROWS = 256;

export const otsuBandOf = (record: RunRecord): OtsuBand => record.baseline?.band ?? record.config.otsuBand;

/** The band's values in dB as the chip baseline sees them (otsuSource), and where the band has data. */
function bandInDb(
  raw: { pixels: Float32Array; present: boolean[] },
  band: OtsuBand,
  width: number,
  height: number,
  s1Units: S1Units | null,
) {
  const raster = { width, height, bands: [band], pixels: raw.pixels, present: raw.present };
  return { values: normalisePixels(raster, [band], otsuNormalisation(band), s1Units), valid: validWhereAny(raw, [0], width * height) };
}

function checkBand(scene: SceneInfo, band: OtsuBand): void {
  if (!scene.bands.some((b) => b.name === band))
    throw new Error(
      `${scene.path} has no ${band} band: the Otsu run thresholds ${band} (it has ${scene.bands.map((b) => b.name).join(', ')})`,
    );
}

/** The scene's Otsu threshold (dB) over `band`, or null when the band has no data anywhere. */
export async function sceneOtsuThreshold(scene: SceneInfo, band: OtsuBand): Promise<number | null> {
  checkBand(scene, band);
  const reader = await SceneReader.open(scene);
  try {
    const strips = async (visit: (values: Float32Array, valid: Uint8Array) => void) => {
      for (let y = 0; y < scene.height; y += STRIP_ROWS) {
        const rows = Math.min(STRIP_ROWS, scene.height - y);
        const strip = await reader.readStrip([band], y, rows);
        const { values, valid } = bandInDb(strip, band, scene.width, rows, scene.s1Units);
        visit(values, valid);
      }
    };
    const found: { range: [number, number] | null } = { range: null };
    await strips((values, valid) => (found.range = finiteRange(values, valid, found.range)));
    if (!found.range) return null;
    const [min, max] = found.range;
    if (min === max) return min;
    const histogram = new OtsuHistogram(found.range);
    await strips((values, valid) => histogram.add(values, valid));
    return histogram.threshold();
  } finally {
    await reader.close();
  }
}

export async function openOtsuWindowModel(
  record: RunRecord,
  scene: SceneInfo,
  which: CheckpointChoice,
  known?: number,
): Promise<WindowModel> {
  const band = otsuBandOf(record);
  checkBand(scene, band);
  const threshold = known ?? (await sceneOtsuThreshold(scene, band));
  return {
    record,
    checkpoint: { which, epoch: null },
    rawBands: [band],
    maskThreshold: OTSU_MASK_THRESHOLD,
    ...(threshold === null ? {} : { otsuThresholdDb: threshold }),
    async predict(raw, window) {
      const { values, valid } = bandInDb(raw, band, window, window, scene.s1Units);
      const probabilities = new Float32Array(window * window);
      if (threshold === null) return { probabilities, inputValid: new Uint8Array(window * window) };
      for (let i = 0; i < probabilities.length; i++) if (valid[i]) probabilities[i] = otsuProbability(values[i], threshold);
      return { probabilities, inputValid: valid };
    },
    dispose: () => undefined,
  };
}
