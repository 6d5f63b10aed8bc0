/** The runs part of the api contract: workspace, training jobs, comparison, map overlays, exports. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RequestPayload, ResponsePayload } from '../../api/contract.ts';
import type { ChipInfo } from '../../api/dataset.ts';
import { rgbHex } from '../../api/preview.ts';
import {
  DISAGREEMENT_COLOURS,
  EXPORT_PROGRESS_EVENT,
  RUN_FINISHED_EVENT,
  RUN_PROGRESS_EVENT,
  type runRequestSchemas,
} from '../../api/runs.ts';
import { runJob } from '../jobs/worker-host.ts';
import type { ChipOverlaysResult } from '../prediction/chip-overlays.ts';
import { exportMasks } from './export-masks.ts';
import { disagreementRgba } from '../preview/overlay-colours.ts';
import { exportRunCard } from './run-card.ts';
import { RunWorkspace, RunWorkspaceError } from './run-workspace.ts';
import { SerialQueue } from './serial-queue.ts';
import { TrainJobs } from './train-jobs.ts';
import { overlayWarper } from '../preview/warp-overlay.ts';
import type { EmitEvent } from '../../api/events.ts';

/** Where exports go: a folder fixed by the host (`serve --export-dir`) or one the user picks in a native dialog. */
export type ExportTarget = { kind: 'folder'; dir: string } | { kind: 'dialog'; choose(what: 'masks' | 'run card'): Promise<string | null> };

export type RunRequestName = keyof typeof runRequestSchemas;
export type RunHandlers = { [K in RunRequestName]: (payload: RequestPayload<K>) => Promise<ResponsePayload<K>> };

export interface RunsServiceOptions {
  workspaceDir: string | null;
  exportTarget: ExportTarget | null;
  emit: EmitEvent;
}

const CACHED_PREDICTIONS = 12;

export class RunsService {
  readonly workspace: RunWorkspace | null;
  private readonly train: TrainJobs | null;
  private readonly heavy = new SerialQueue();
  private readonly predictions = new Map<string, Promise<ChipOverlaysResult>>();

  constructor(private readonly options: RunsServiceOptions) {
    this.workspace = options.workspaceDir ? new RunWorkspace(options.workspaceDir) : null;
    this.train = this.workspace
      ? new TrainJobs(this.workspace, {
          progress: (event) => options.emit(RUN_PROGRESS_EVENT, event),
          finished: (event) => options.emit(RUN_FINISHED_EVENT, event),
        })
      : null;
  }

  get exportTargetKind(): 'dialog' | 'folder' | 'none' {
    return this.options.exportTarget?.kind ?? 'none';
  }

  handlers(): RunHandlers {
    return {
      'runs.list': () => this.jobs().summaries(),
      'run.get': async ({ runId }) => {
        const jobs = this.jobs();
        return { record: await this.ws().record(runId), active: jobs.isActive(runId), progress: jobs.progressOf(runId) };
      },
      'run.start': async ({ config }) => {
        if (!existsSync(config.dataDir)) throw new RunWorkspaceError(`the data folder ${config.dataDir} does not exist`);
        return { runId: this.jobs().start({ ...config, dataDir: resolve(config.dataDir) }) };
      },
      'run.cancel': async ({ runId }) => ({ cancelled: this.jobs().cancel(runId) }),
      'run.resume': async ({ runId }) => ({ runId: await this.jobs().resume(runId) }),
      'run.evaluate': async ({ runId, split, dataDir }) => {
        const record = await this.ws().record(runId);
        return this.heavy.run(() =>
          runJob('evaluate', { runDir: this.ws().runDir(runId), dataDir: dataDir ?? record.data.dir, chips: split }),
        );
      },
      'runs.compare': async ({ runIds, chipIds, dataDir }) =>
        this.heavy.run(() => runJob('compare', { runDirs: runIds.map((id) => this.ws().runDir(id)), chipIds, dataDir })),
      'run.predictChip': async ({ runId, chip }) => (await this.prediction(runId, chip)).prediction,
      'runs.disagreement': async ({ runIds: [a, b], chip }) => {
        const [first, second] = [await this.prediction(a, chip), await this.prediction(b, chip)];
        const { rgba, differing, compared } = disagreementRgba(first.mask, second.mask);
        const overlay = overlayWarper(chip)(rgba, [
          { label: `water only in ${a}`, colour: rgbHex(DISAGREEMENT_COLOURS.onlyA) },
          { label: `water only in ${b}`, colour: rgbHex(DISAGREEMENT_COLOURS.onlyB) },
        ]);
        return { runIds: [a, b], chipId: chip.id, overlay, differingPixels: differing, comparedPixels: compared };
      },
      'export.masks': async ({ runIds, chipIds, dataDir, probabilities, overwrite }) => {
        for (const runId of runIds) await this.ws().record(runId);
        const outDir = await this.exportDir('masks');
        if (!outDir) return { dir: null, files: [], existing: [] };
        return this.heavy.run(() =>
          exportMasks(this.ws(), { runIds, chipIds, dataDir, probabilities, overwrite, outDir }, (event) =>
            this.options.emit(EXPORT_PROGRESS_EVENT, event),
          ),
        );
      },
      'export.runCard': async ({ runId }) => {
        const record = await this.ws().record(runId);
        const outDir = await this.exportDir('run card');
        return { file: outDir ? await exportRunCard(record, outDir) : null };
      },
    };
  }

  async close(): Promise<void> {
    await this.train?.cancelAll();
  }

  private ws(): RunWorkspace {
    if (!this.workspace) throw new RunWorkspaceError('this host has no runs workspace (start `serve` with --workspace-dir)', 'unavailable');
    return this.workspace;
  }

  private jobs(): TrainJobs {
    this.ws();
    return this.train!;
  }

  private async exportDir(what: 'masks' | 'run card'): Promise<string | null> {
    const target = this.options.exportTarget;
    if (!target) throw new RunWorkspaceError('exports are off on this host: start `serve` with --export-dir <dir>', 'unavailable');
    const dir = target.kind === 'folder' ? target.dir : await target.choose(what);
    if (dir) await mkdir(dir, { recursive: true });
    return dir;
  }

  /** A run's prediction on a chip: computed once in a worker, reused while the run's checkpoint is unchanged. */
  private async prediction(runId: string, chip: ChipInfo): Promise<ChipOverlaysResult> {
    const record = await this.ws().record(runId);
    const key = `${runId}\u0000${chip.id}\u0000${record.best?.epoch ?? 'none'}\u0000${record.updatedAt}`;
    let entry = this.predictions.get(key);
    if (!entry) {
      entry = this.heavy.run(() => runJob('run.chipOverlays', { runDir: this.ws().runDir(runId), chip }));
      this.predictions.set(key, entry);
      entry.catch(() => this.predictions.delete(key));
      while (this.predictions.size > CACHED_PREDICTIONS) this.predictions.delete(this.predictions.keys().next().value!);
    }
    return entry;
  }
}
