/** Job `run.chipOverlays` (worker): one run's prediction on one chip as map layers, plus its raw mask. */
import type { ChipInfo } from '../../api/dataset.ts';
import { rgbHex } from '../../api/preview.ts';
import { ERROR_COLOURS, MASK_COLOUR, PROBABILITY_RAMP, type RunChipPrediction } from '../../api/runs.ts';
import { probabilitiesWithNodata } from '../export/masks.ts';
import { openTrainedRun } from '../run/trained-run.ts';
import type { JobContext } from '../compute/job-context.ts';
import { buildMetricsReport, confusionFromMask } from '../metrics/index.ts';
import { errorRgba, maskRgba, probabilityRgba } from '../preview/overlay-colours.ts';
import { overlayWarper } from '../preview/warp-overlay.ts';

export interface ChipOverlaysRequest {
  runDir: string;
  chip: ChipInfo;
}

export interface ChipOverlaysResult {
  prediction: RunChipPrediction;
  /** 1 water, 0 not water, 255 no input, on the chip's grid (kept by the host for disagreement layers). */
  mask: Uint8Array;
}

const base64Of = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

/** The numbers behind the layers (see PredictionPixelsSchema): the app re-thresholds and reads pixels from them. */
function predictionPixels(
  chip: ChipInfo,
  modelProbabilities: Float32Array,
  inputValid: Uint8Array,
  label: { water: ArrayLike<number>; valid: ArrayLike<number> } | null,
  warp: ReturnType<typeof overlayWarper>,
): RunChipPrediction['pixels'] {
  const probabilities = probabilitiesWithNodata(modelProbabilities, inputValid);
  const labelU8 = label
    ? Uint8Array.from({ length: probabilities.length }, (_, i) => (label.valid[i] === 0 ? 255 : label.water[i] === 1 ? 1 : 0))
    : null;
  const data = new Uint8Array(probabilities.length * 4);
  for (let i = 0; i < probabilities.length; i++) {
    if (!Number.isFinite(probabilities[i])) continue;
    const code = Math.round(Math.max(0, Math.min(1, probabilities[i])) * 65535);
    data.set([code >> 8, code & 255, labelU8 ? labelU8[i] : 255, 255], i * 4);
  }
  return {
    width: chip.width!,
    height: chip.height!,
    probabilityF32: base64Of(probabilities),
    labelU8: labelU8 ? base64Of(labelU8) : null,
    mapData: warp(data, []),
  };
}

export async function chipOverlays(request: ChipOverlaysRequest, context: JobContext): Promise<ChipOverlaysResult> {
  const { chip } = request;
  const run = await openTrainedRun(request.runDir, [chip], 'best');
  try {
    context.progress({
      phase: 'predict',
      epoch: null,
      epochs: null,
      step: 0,
      steps: 1,
      loss: null,
      samplesPerSecond: null,
      etaSeconds: null,
      message: chip.id,
    });
    const sample = await run.source.load(chip);
    const result = await run.predictor.predict(sample);
    const warp = overlayWarper(chip);
    const labelled = chip.label !== null;
    const metrics = labelled
      ? buildMetricsReport([{ id: chip.id, counts: confusionFromMask(result.mask, sample.label, { valid: sample.labelValid }) }]).perChip[0]
      : null;
    const prediction: RunChipPrediction = {
      runId: run.record.id,
      chipId: chip.id,
      checkpoint: run.checkpoint,
      mask: warp(maskRgba(result.mask), [{ label: 'water (predicted)', colour: rgbHex(MASK_COLOUR) }]),
      probability: warp(probabilityRgba(result.probabilities, sample.inputValid), [
        { label: '0', colour: rgbHex(PROBABILITY_RAMP[0]) },
        { label: '0.5', colour: rgbHex(PROBABILITY_RAMP[1]) },
        { label: '1 water', colour: rgbHex(PROBABILITY_RAMP[2]) },
      ]),
      error: labelled
        ? warp(errorRgba(result.mask, sample.label, sample.labelValid), [
            { label: 'true positive', colour: rgbHex(ERROR_COLOURS.truePositive) },
            { label: 'false positive', colour: rgbHex(ERROR_COLOURS.falsePositive) },
            { label: 'false negative', colour: rgbHex(ERROR_COLOURS.falseNegative) },
          ])
        : null,
      metrics,
      threshold: run.record.config.threshold,
      pixels: predictionPixels(
        chip,
        result.probabilities,
        sample.inputValid,
        labelled ? { water: sample.label, valid: sample.labelValid } : null,
        warp,
      ),
    };
    return { prediction, mask: result.mask };
  } finally {
    run.predictor.dispose();
  }
}
