/** Scene predictions started from a UI: one job per scene, outputs in `<workspace>/scenes/<jobId>/`, tiles by job id. */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { EmitEvent } from '../../api/events.ts';
import { JobCancelledError } from '../../api/jobs.ts';
import {
  SCENE_FINISHED_EVENT,
  SCENE_PROGRESS_EVENT,
  type SceneApiPredict,
  type SceneSummaryRecord,
  type SceneVectorsRequest,
} from '../../api/scene.ts';
import type { VectorSummary } from '../../api/vector.ts';
import { wgs84Bbox, type GeoTransform } from '../geo/bbox.ts';
import { proj4ForEpsg } from '../geo/crs.ts';
import { runJob } from '../jobs/worker-host.ts';
import type { RunWorkspace } from './run-workspace.ts';

interface SceneJob {
  controller: AbortController;
  outDir: string;
  /** The mask COG once the job is done. */
  mask: string | null;
  /** The probability COG once done, when asked for. */
  probabilities: string | null;
}

export class SceneJobs {
  private readonly jobs = new Map<string, SceneJob>();

  constructor(
    private readonly workspace: () => RunWorkspace,
    private readonly emit: EmitEvent,
  ) {}

  /** Starts predicting `scene` (already checked readable by the host) with run `runId`; returns at once. */
  async start(request: SceneApiPredict & { scene: string }): Promise<{ jobId: string }> {
    const workspace = this.workspace();
    const runDir = workspace.runDir(request.runId);
    const jobId = `scene-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const outDir = join(workspace.dir, 'scenes', jobId);
    await mkdir(outDir, { recursive: true });
    const job: SceneJob = { controller: new AbortController(), outDir, mask: null, probabilities: null };
    this.jobs.set(jobId, job);
    const { runId: _runId, ...options } = request;
    void _runId;
    runJob(
      'scene.predict',
      { ...options, runDir, outDir },
      {
        jobId,
        signal: job.controller.signal,
        onProgress: (progress) => this.emit(SCENE_PROGRESS_EVENT, { jobId, progress }),
      },
    ).then(
      (result) => {
        const summary = (result.summary as SceneSummaryRecord | null) ?? null;
        job.mask = summary?.files.mask ?? null;
        job.probabilities = summary?.files.probabilities ?? null;
        this.emit(SCENE_FINISHED_EVENT, { jobId, status: 'done', error: null, summary, bbox: summary && sceneBbox(summary) });
      },
      (error: unknown) => {
        const cancelled = error instanceof JobCancelledError || job.controller.signal.aborted;
        this.emit(SCENE_FINISHED_EVENT, {
          jobId,
          status: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? null : error instanceof Error ? error.message : String(error),
          summary: null,
          bbox: null,
        });
      },
    );
    return { jobId };
  }

  cancel(jobId: string): { cancelled: boolean } {
    const job = this.jobs.get(jobId);
    if (!job || job.mask) return { cancelled: false };
    job.controller.abort();
    return { cancelled: true };
  }

  /** The mask COG of a finished job; throws for an unknown or unfinished job. */
  maskOf(jobId: string): string {
    const mask = this.jobs.get(jobId)?.mask;
    if (!mask) throw new Error(`scene job ${jobId} has no finished mask`);
    return mask;
  }

  /** The COG of a finished job's layer; throws for an unknown or unfinished job, or probabilities it did not write. */
  layerOf(jobId: string, layer: 'mask' | 'probabilities'): string {
    if (layer === 'mask') return this.maskOf(jobId);
    const file = this.jobs.get(jobId)?.probabilities;
    if (!file) throw new Error(`scene job ${jobId} has no probabilities (predict with probabilities to map them)`);
    return file;
  }

  /** Water polygons of a finished job's mask, written in its folder; throws for an unknown or unfinished job. */
  async vectorise(request: SceneVectorsRequest): Promise<VectorSummary> {
    const { jobId, ...options } = request;
    const mask = this.maskOf(jobId);
    const outDir = this.jobs.get(jobId)!.outDir;
    return runJob('vectorise', { maskPath: mask, outDir, stem: basename(mask).replace(/_mask\.tif$/, ''), options });
  }

  cancelAll(): void {
    for (const job of this.jobs.values()) if (!job.mask) job.controller.abort();
  }
}

function sceneBbox(summary: SceneSummaryRecord): [number, number, number, number] | null {
  const proj4 = proj4ForEpsg(summary.epsg);
  if (!proj4) return null;
  return wgs84Bbox(summary.geoTransform as GeoTransform, summary.width, summary.height, {
    epsg: summary.epsg,
    proj4,
    isGeographic: /\+proj=longlat\b/.test(proj4),
  });
}
