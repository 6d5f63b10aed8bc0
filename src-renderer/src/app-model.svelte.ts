/**
 * The app model: every store, and the reactions between them that used to live in App.svelte (a new dataset
 * resets what belonged to the old one; a finished run is compared; mapped runs get their predictions).
 * Components reach it through Svelte context (app-context.ts), not through chains of props.
 */
import type { EngineInfo, FloodlensClient } from '../../src-main/api/contract.ts';
import type { ComputeBackend } from '../../src-main/api/compute.ts';
import { ONLINE_BASEMAP_IDS } from '../../src-main/api/basemaps.ts';
import { EXPORT_MASKS_EVENT, OPEN_DATASET_EVENT, OpenDatasetEventSchema } from '../../src-main/api/ui-events.ts';
import type { RunSummary } from '../../src-main/api/runs.ts';
import { ComparisonState } from './state/comparison.svelte.ts';
import { DatasetState } from './state/dataset.svelte.ts';
import { EncodersState } from './state/encoders.svelte.ts';
import { ExportState } from './state/exports.svelte.ts';
import { LayerState } from './state/layers.svelte.ts';
import type { Loadable } from './state/loadable.ts';
import { PreviewState } from './state/previews.svelte.ts';
import { RunLayerState } from './state/run-layers.svelte.ts';
import { RunsState } from './state/runs.svelte.ts';
import { SceneState } from './state/scenes.svelte.ts';
import { ReadingState, type RunReading } from './state/reading.svelte.ts';
import { DEFAULT_S1_STRETCH, ViewState } from './state/view.svelte.ts';

/** Which chips a comparison scores: each run's own test split, every labelled chip of the open dataset, or the ticked ones. */
export type CompareChipSet = 'test' | 'labelled' | 'chosen';

const sameDir = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export class AppModel {
  readonly dataset: DatasetState;
  readonly layers = new LayerState();
  readonly previews: PreviewState;
  readonly runs: RunsState;
  readonly comparison: ComparisonState;
  readonly runLayers: RunLayerState;
  readonly exports: ExportState;
  readonly encoders: EncodersState;
  readonly scenes: SceneState;
  readonly view = new ViewState();
  readonly reading = new ReadingState();
  info = $state<Loadable<EngineInfo>>({ status: 'idle' });
  /** What the engine's workers compute on (backend, GPU adapter): asked once the engine answers. */
  compute = $state<Loadable<ComputeBackend>>({ status: 'idle' });
  compareChipSet = $state<CompareChipSet>('test');
  /** A warning to show when a run is mapped on chips it was not trained on (null when it was). */
  readonly foreignRunNote = (run: RunSummary | undefined): string | null => {
    const dir = this.dataset.dir;
    if (!run || !dir || sameDir(run.dataDir, dir)) return null;
    return `trained on ${run.dataDir}, not on this dataset: its masks here are predictions on unseen data`;
  };

  constructor(readonly client: FloodlensClient) {
    this.dataset = new DatasetState(client);
    this.previews = new PreviewState(client);
    this.runs = new RunsState(client);
    this.comparison = new ComparisonState(client);
    this.runLayers = new RunLayerState(client);
    this.exports = new ExportState(client);
    this.encoders = new EncodersState(client);
    this.scenes = new SceneState(client);
  }

  get engineInfo(): EngineInfo | null {
    return this.info.status === 'ready' ? this.info.value : null;
  }

  /** The chips a comparison over `set` scores, or undefined for the runs' own test splits. */
  chipsFor(set: CompareChipSet): string[] | undefined {
    if (set === 'test') return undefined;
    const chips =
      set === 'labelled'
        ? this.dataset.chips.filter((c) => c.label && c.label.waterFraction !== null)
        : this.dataset.chips.filter((c) => this.dataset.chosen.has(c.id));
    return chips.map((c) => c.id);
  }

  compare(set: CompareChipSet = this.compareChipSet): Promise<void> {
    const chipIds = this.chipsFor(set);
    if (chipIds !== undefined && (chipIds.length === 0 || !this.dataset.dir)) {
      this.comparison.fail(
        set === 'chosen' ? 'Tick chips in the Dataset tab to compare on them.' : 'This dataset has no labelled chip to score on.',
      );
      return Promise.resolve();
    }
    return this.comparison.compare(
      this.runs.comparableIds,
      chipIds && this.dataset.dir ? { chipIds, dataDir: this.dataset.dir } : undefined,
    );
  }

  /** Starts the cross-store reactions; returns their cleanup. Call once, from the root component. */
  start(): () => void {
    return $effect.root(() => {
      $effect(() => {
        this.info = { status: 'loading' };
        this.client
          .request('engine.info', {})
          .then((value) => {
            this.info = { status: 'ready', value };
            this.compute = { status: 'loading' };
            this.client
              .request('compute.info', {})
              .then((backend) => (this.compute = { status: 'ready', value: backend }))
              .catch((e: Error) => (this.compute = { status: 'error', message: e.message }));
            const start = value.lastDataset ?? value.demoWorkspace;
            if (start && this.dataset.status === 'idle') void this.dataset.open(start);
            if (value.workspaceDir) void this.runs.refresh();
          })
          .catch((e: Error) => (this.info = { status: 'error', message: e.message }));
        return this.client.onEvent((event) => {
          this.scenes.onEvent(event);
          if (event.event === EXPORT_MASKS_EVENT) return this.exportFromMenu();
          if (event.event !== OPEN_DATASET_EVENT) return;
          const parsed = OpenDatasetEventSchema.safeParse(event.payload);
          if (parsed.success) void this.dataset.open(parsed.data.dir);
        });
      });

      // A new dataset: what belonged to the old one goes (comparison, export result, side by side, reading state).
      let shownDir: string | null = null;
      $effect(() => {
        const dir = this.dataset.dir;
        if (dir === shownDir) return;
        if (shownDir !== null) {
          this.comparison.reset();
          this.exports.reset();
          this.runLayers.reset();
          this.previews.clear();
          this.view.reset();
          this.reading.reset();
          this.dataset.chosen = new Set();
        }
        shownDir = dir;
      });

      // A run that finishes training is ticked and compared right away, and its stale map layers dropped.
      this.runs.onFinished = (event) => {
        this.runLayers.forget(event.runId);
        if (event.status !== 'completed' && event.status !== 'stopped-early') return;
        this.runs.select(event.runId);
        if (this.runs.comparableIds.length > 0) void this.compare();
      };

      $effect(() => {
        for (const id of this.runs.selectedIds) this.runLayers.ensure(id);
      });

      // The desktop app lets the renderer reach only the tile hosts of online basemaps switched on here.
      $effect(() => {
        const enabled = ONLINE_BASEMAP_IDS.filter((id) => this.layers.online[id].visible);
        this.client.request('basemaps.set', { layers: enabled }).catch((e: Error) => (this.info = { status: 'error', message: e.message }));
      });

      // Predictions of runs A and B on the selected chip, fetched when one of their layers is visible.
      $effect(() => {
        const chip = this.dataset.selected;
        if (!chip) return;
        const mapped = this.runs.mappedIds;
        for (const id of mapped)
          if (this.runLayers.anyVisible(id) || this.runLayers.disagreement.visible) this.runLayers.requestPrediction(id, chip);
      });

      // The layers the app draws itself: redrawn when the threshold, the stretch or what is shown changes.
      $effect(() => {
        const chip = this.dataset.selected;
        const slots: RunReading[] = [];
        for (const runId of chip ? this.runs.mappedIds : []) {
          const entry = this.runLayers.prediction(runId, chip!.id);
          const settings = this.runLayers.settings[runId];
          if (entry?.status !== 'ready' || !settings) break; // B waits for A, so slots keep their letters
          const threshold = this.view.threshold ?? entry.value.threshold;
          slots.push({ runId, prediction: entry.value, threshold, mask: settings.mask.visible, error: settings.error.visible });
        }
        const s1 = chip ? this.previews.get(chip.id, 's1') : undefined;
        const { vv, vh } = this.view.s1Stretch;
        const stretch = { vv: [vv[0], vv[1]] as [number, number], vh: [vh[0], vh[1]] as [number, number] };
        const draw = [...stretch.vv, ...stretch.vh].join() !== [...DEFAULT_S1_STRETCH.vv, ...DEFAULT_S1_STRETCH.vh].join();
        void this.reading.redraw(
          slots,
          this.runLayers.disagreement.visible,
          s1?.status === 'ready' ? { preview: s1.value, stretch, draw } : null,
        );
      });
    });
  }

  /** File › Export masks…: the compared runs on the compared chips (the host's folder dialog follows). */
  private exportFromMenu(): void {
    const chips = this.comparison.result?.chips ?? (this.dataset.selectedId ? [this.dataset.selectedId] : []);
    if (this.comparison.runIds.length === 0 || chips.length === 0 || !this.dataset.dir) {
      this.exports.fail('Nothing to export yet: compare runs first (Runs tab, then Compare), or select a chip.');
      return;
    }
    void this.exports.exportMasks(this.comparison.runIds, chips, this.dataset.dir, false);
  }
}
