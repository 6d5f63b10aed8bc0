/** Whole-scene prediction from the app: the scene path, the run, the job's progress and, when done, its summary. */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { JobProgress } from '../../../src-main/api/jobs.ts';
import {
  SCENE_FINISHED_EVENT,
  SCENE_PROGRESS_EVENT,
  type SceneFinishedEvent,
  type SceneSummaryRecord,
} from '../../../src-main/api/scene.ts';
import type { EventEnvelope } from '../../../src-main/api/events.ts';
import type { VectorSummary } from '../../../src-main/api/vector.ts';

export type SceneLayer = 'mask' | 'probabilities';

export interface SceneJobView {
  jobId: string;
  scene: string;
  status: 'running' | SceneFinishedEvent['status'];
  progress: JobProgress | null;
  summary: SceneSummaryRecord | null;
  bbox: [number, number, number, number] | null;
  error: string | null;
}

export class SceneState {
  path = $state('');
  runId = $state('');
  job = $state<SceneJobView | null>(null);
  error = $state<string | null>(null);
  /** The mask layer on the map (a finished job's). */
  visible = $state(true);
  /** Acquisition date (YYYY-MM-DD) for Clay runs; empty: the scene's metadata. */
  date = $state('');
  /** Ask the next prediction for the probability COG too. */
  probabilities = $state(false);
  /** Which of a finished job's COGs the map shows. */
  layer = $state<SceneLayer>('mask');
  /** Water polygons exported from the current job (null until asked). */
  polygons = $state<VectorSummary | null>(null);
  exporting = $state(false);
  /** Minimum mapping unit for the export: polygons with fewer water pixels are dropped. */
  minPixels = $state(1);

  constructor(private readonly client: FloodlensClient) {}

  get shown(): SceneJobView | null {
    return this.job?.status === 'done' && this.visible ? this.job : null;
  }

  /** The layer drawn: probabilities only when the shown job wrote them. */
  get shownLayer(): SceneLayer {
    return this.layer === 'probabilities' && this.shown?.summary?.files.probabilities ? 'probabilities' : 'mask';
  }

  /** GeoPackage (scene CRS) and GeoJSON (WGS84) of the finished job's water, beside its mask. */
  async exportPolygons(): Promise<void> {
    const job = this.job;
    if (job?.status !== 'done') return;
    this.error = null;
    this.exporting = true;
    try {
      this.polygons = await this.client.request('scene.vectors', {
        jobId: job.jobId,
        formats: ['gpkg', 'geojson'],
        minPixels: Math.max(1, Math.round(this.minPixels) || 1),
        simplify: 0,
      });
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.exporting = false;
    }
  }

  /** `sendsDate`: the chosen run's encoder takes the date (a date typed for an earlier Clay run is not sent with another). */
  async predict(sendsDate: boolean): Promise<void> {
    this.error = null;
    const scene = this.path.trim();
    if (!scene || !this.runId) {
      this.error = 'Give the path of a GeoTIFF scene and pick a run.';
      return;
    }
    try {
      const date = sendsDate ? this.date.trim() || undefined : undefined;
      const { jobId } = await this.client.request('scene.predict', { runId: this.runId, scene, probabilities: this.probabilities, date });
      this.polygons = null;
      this.layer = 'mask';
      this.job = { jobId, scene, status: 'running', progress: null, summary: null, bbox: null, error: null };
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async cancel(): Promise<void> {
    if (this.job?.status === 'running') await this.client.request('scene.cancel', { jobId: this.job.jobId });
  }

  /** Engine events for the current job (others are ignored). */
  onEvent(event: EventEnvelope): void {
    const job = this.job;
    if (event.event === SCENE_PROGRESS_EVENT && job && event.payload.jobId === job.jobId)
      this.job = { ...job, progress: event.payload.progress };
    if (event.event === SCENE_FINISHED_EVENT && job && event.payload.jobId === job.jobId) {
      const { status, error, summary, bbox } = event.payload;
      this.job = { ...job, status, error, summary, bbox };
    }
  }
}
