import type { JobContext } from '../compute/job-context.ts';

/**
 * Every kind of job the worker can run: input type, result type and a lazy loader, so the worker
 * only loads the code (and TensorFlow.js) a job needs.
 */
export interface JobKinds {
  'dataset.inspect': { input: { dir: string }; result: import('../../api/dataset.ts').DatasetInspection };
  'compute.info': { input: Record<string, never>; result: import('../../api/compute.ts').ComputeBackend };
  train: { input: import('../training/trainer.ts').TrainRequest; result: import('../../api/run.ts').RunRecord };
  evaluate: { input: import('../evaluation/evaluate-run.ts').EvaluateRequest; result: import('../../api/run.ts').EvaluationRecord };
  compare: { input: import('../evaluation/compare-runs.ts').CompareRequest; result: import('../../api/run.ts').Comparison };
  predict: { input: import('../prediction/predict-run.ts').PredictRequest; result: import('../prediction/predict-run.ts').PredictResult };
  embed: { input: import('../embedding/embed-dataset.ts').EmbedRequest; result: import('../embedding/embed-dataset.ts').EmbedResult };
  cv: { input: import('../cv/cross-validate.ts').CrossValidateRequest; result: import('../../api/cv.ts').CvReport };
  probe: { input: import('../probe/probe-encoders.ts').ProbeRequest; result: import('../probe/probe-report.ts').ProbeReport };
  'chip.preview': {
    input: { chip: import('../../api/dataset.ts').ChipInfo; layer: import('../../api/preview.ts').PreviewLayer };
    result: import('../../api/preview.ts').ChipPreview;
  };
  'scene.predict': { input: import('./scene-job.ts').ScenePredictRequest; result: import('./scene-job.ts').ScenePredictResult };
  'scene.tile': { input: import('../preview/scene-tile.ts').SceneTileInput; result: import('../preview/scene-tile.ts').SceneTilePng };
  'scene.part': { input: import('../scene/predict-part.ts').ScenePartRequest; result: import('../scene/predict-part.ts').ScenePartResult };
  'scene.merge': { input: import('../scene/merge-parts.ts').MergeRequest; result: import('../scene/merge-parts.ts').SceneSummary };
  'run.chipOverlays': {
    input: import('../prediction/chip-overlays.ts').ChipOverlaysRequest;
    result: import('../prediction/chip-overlays.ts').ChipOverlaysResult;
  };
  vectorise: { input: import('../vector/vectorise-job.ts').VectoriseRequest; result: import('../../api/vector.ts').VectorSummary };
}

export type JobKind = keyof JobKinds;
export type JobInput<K extends JobKind> = JobKinds[K]['input'];
export type JobResult<K extends JobKind> = JobKinds[K]['result'];
export type JobRunner<K extends JobKind> = (input: JobInput<K>, context: JobContext) => Promise<JobResult<K>>;

export const jobRunners: { [K in JobKind]: () => Promise<JobRunner<K>> } = {
  'dataset.inspect': async () => {
    const { inspectDataset } = await import('../dataset/inspect.ts');
    return (input) => inspectDataset(input.dir);
  },
  'compute.info': async () => {
    const { backendRecord, initBackend } = await import('../compute/backend.ts');
    return async () => backendRecord(await initBackend());
  },
  train: async () => (await import('../training/trainer.ts')).trainRun,
  evaluate: async () => (await import('../evaluation/evaluate-run.ts')).evaluateRun,
  compare: async () => (await import('../evaluation/compare-runs.ts')).compareRuns,
  predict: async () => (await import('../prediction/predict-run.ts')).predictRun,
  embed: async () => (await import('./embed-job.ts')).embedOnWorkers,
  probe: async () => (await import('../probe/probe-encoders.ts')).probeEncoders,
  cv: async () => (await import('../cv/cross-validate.ts')).crossValidate,
  'chip.preview': async () => {
    const { chipPreview } = await import('../preview/chip-preview.ts');
    return (input) => chipPreview(input.chip, input.layer);
  },
  'scene.predict': async () => (await import('./scene-job.ts')).predictScene,
  'scene.tile': async () => (await import('../preview/scene-tile.ts')).sceneTile,
  'scene.part': async () => (await import('../scene/predict-part.ts')).predictScenePart,
  'scene.merge': async () => {
    const { mergeSceneParts } = await import('../scene/merge-parts.ts');
    return (input, context) => mergeSceneParts(input, context);
  },
  'run.chipOverlays': async () => (await import('../prediction/chip-overlays.ts')).chipOverlays,
  vectorise: async () => (await import('../vector/vectorise-job.ts')).vectoriseMask,
};

export function isJobKind(kind: string): kind is JobKind {
  return Object.prototype.hasOwnProperty.call(jobRunners, kind);
}
