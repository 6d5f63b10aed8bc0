/** Job `run.chipOverlays` (worker): one run's prediction on one chip as map layers, plus its raw mask. */
import type { ChipInfo } from '../../api/dataset.ts';
import { rgbHex } from '../../api/preview.ts';
import { ERROR_COLOURS, MASK_COLOUR, type RunChipPrediction } from '../../api/runs.ts';
import { predictChip } from '../run/predict-chip.ts';
import { openTrainedRun } from '../run/trained-run.ts';
import type { JobContext } from '../compute/job-context.ts';
import { buildMetricsReport, confusionFromMask } from '../metrics/index.ts';
import { errorRgba, maskRgba, probabilityRgba, PROBABILITY_RAMP } from '../preview/overlay-colours.ts';
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

export async function chipOverlays(request: ChipOverlaysRequest, context: JobContext): Promise<ChipOverlaysResult> {
  const { chip } = request;
  const run = await openTrainedRun(request.runDir, [chip], 'best');
  try {
    context.progress({ phase: 'predict', epoch: null, epochs: null, step: 0, steps: 1, loss: null, samplesPerSecond: null, etaSeconds: null, message: chip.id });
    const sample = await run.source.load(chip);
    const result = await predictChip(run.net, sample, run.record.config.threshold);
    const warp = overlayWarper(chip);
    const labelled = chip.label !== null;
    const metrics = labelled ? buildMetricsReport([{ id: chip.id, counts: confusionFromMask(result.mask, sample.label, { valid: sample.labelValid }) }]).perChip[0] : null;
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
    };
    return { prediction, mask: result.mask };
  } finally {
    run.net.dispose();
  }
}
