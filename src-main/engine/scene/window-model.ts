/**
 * A trained run seen as a function of one scene window: raw band values in, water probabilities out.
 * Every model kind the engine trains goes through here, so tiling, streaming and sharding are shared.
 */
import * as tf from '@tensorflow/tfjs';
import type { CanonicalBand } from '../../api/dataset.ts';
import type { RunRecord } from '../../api/run.ts';
import { CanonicalBandSchema } from '../../api/dataset.ts';
import { openTrainedRun, type CheckpointChoice } from '../run/trained-run.ts';
import { normalisePixels, rawBandsFor } from '../inputs/input-normalisation.ts';
import { usesEmbeddings } from '../inputs/training-source.ts';
import { toNhwc } from '../inputs/batches.ts';
import type { SceneInfo } from './scene-source.ts';

export interface WindowPrediction {
  /** [window, window] water probability. */
  probabilities: Float32Array;
  /** 1 where at least one of the model's input bands has data. */
  inputValid: Uint8Array;
}

export interface WindowModel {
  readonly record: RunRecord;
  readonly checkpoint: { which: CheckpointChoice; epoch: number | null };
  /** Bands to read from the scene, in this order. */
  readonly rawBands: readonly CanonicalBand[];
  predict(raw: { pixels: Float32Array; present: boolean[] }, window: number): Promise<WindowPrediction>;
  dispose(): void;
}

/** Window a run predicts in by default: the size it was trained on (random crops, else its chips). */
export function defaultWindow(record: RunRecord): number {
  return record.config.chipSize ?? 512;
}

export async function openWindowModel(runDir: string, scene: SceneInfo, which: CheckpointChoice): Promise<WindowModel> {
  const run = await openTrainedRun(runDir, [], which);
  const record = run.record;
  const net = run.net;
  if (!net) throw new Error(`${record.model.kind} runs fit no net: scene prediction needs a trained net (scratch); ${runDir}`);
  if (usesEmbeddings(record.model.kind)) {
    net.dispose();
    throw new Error(`${record.model.kind} runs predict scenes through their encoder; not available in this build`);
  }
  const bands = record.data.inputBands.map((band) => CanonicalBandSchema.parse(band));
  const normalisation = record.data.normalisation ?? { kind: 'clay-v0' as const };
  const rawBands = rawBandsFor(bands, normalisation);
  if (!bands.some((band) => scene.bands.some((b) => b.name === band))) {
    net.dispose();
    throw new Error(
      `${scene.path} has none of the bands the run was trained on (${bands.join(', ')}); it has ${scene.bands.map((b) => b.name).join(', ')}`,
    );
  }
  const inputChannels = bands.length;
  return {
    record,
    checkpoint: run.checkpoint,
    rawBands,
    async predict(raw, window) {
      const plane = window * window;
      const inputValid = new Uint8Array(plane);
      bands.forEach((band) => {
        const c = rawBands.indexOf(band);
        if (!raw.present[c]) return;
        const values = raw.pixels.subarray(c * plane, (c + 1) * plane);
        for (let i = 0; i < plane; i++) if (!Number.isNaN(values[i])) inputValid[i] = 1;
      });
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
