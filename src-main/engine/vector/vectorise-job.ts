/** The `vectorise` job: water polygons of a mask GeoTIFF, with progress by rows and cancellation. */
import { JobCancelledError } from '../../api/jobs.ts';
import type { VectorOptions, VectorSummary } from '../../api/vector.ts';
import { writeMaskVectors } from './write-mask-vectors.ts';
import { etaSeconds, type JobContext } from '../compute/job-context.ts';

export interface VectoriseRequest {
  maskPath: string;
  outDir: string;
  /** Output names: `<stem>_water.gpkg|geojson`. */
  stem: string;
  options: Partial<VectorOptions> & Pick<VectorOptions, 'formats'>;
}

export async function vectoriseMask(request: VectoriseRequest, context: JobContext): Promise<VectorSummary> {
  const controller = new AbortController();
  const started = performance.now();
  return writeMaskVectors(request.maskPath, request.outDir, request.stem, request.options, {
    signal: controller.signal,
    onProgress: ({ rowsDone, height }) => {
      if (context.cancelled) controller.abort(new JobCancelledError());
      const elapsed = (performance.now() - started) / 1000;
      context.progress({
        phase: 'vectorise', epoch: null, epochs: null, step: rowsDone, steps: height, loss: null, samplesPerSecond: null,
        etaSeconds: etaSeconds(rowsDone, height, elapsed), message: `${rowsDone}/${height} rows`,
      });
    },
  });
}
