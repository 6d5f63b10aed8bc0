/** Map layers of the selected runs on the selected chip: predicted mask, probability, error map, disagreement (settings and predictions). */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { ChipInfo } from '../../../src-main/api/dataset.ts';
import type { RunChipPrediction, RunOverlayLayer } from '../../../src-main/api/runs.ts';
import type { LayerSetting } from './layers.svelte.ts';
import type { Loadable } from './loadable.ts';

export type Entry<T> = Loadable<T>;
export type RunLayerSettings = Record<RunOverlayLayer, LayerSetting>;

const MAX_CACHED = 16;
const defaults = (): RunLayerSettings => ({
  mask: { visible: true, opacity: 0.8 },
  probability: { visible: false, opacity: 0.8 },
  error: { visible: false, opacity: 0.9 },
});

export class RunLayerState {
  settings = $state<Record<string, RunLayerSettings>>({});
  disagreement = $state<LayerSetting>({ visible: false, opacity: 0.9 });
  /** Two synchronised maps, run A | run B, instead of one. */
  sideBySide = $state(false);
  predictions = $state.raw<ReadonlyMap<string, Entry<RunChipPrediction>>>(new Map());

  constructor(private readonly client: FloodlensClient) {}

  /** Creates a run's layer settings (call from an effect or an event handler, not while rendering). */
  ensure(runId: string): void {
    if (!this.settings[runId]) this.settings[runId] = defaults();
  }

  anyVisible(runId: string): boolean {
    const s = this.settings[runId];
    return !!s && (s.mask.visible || s.probability.visible || s.error.visible);
  }

  static key(...parts: string[]): string {
    return parts.join('\u0000');
  }

  prediction(runId: string, chipId: string): Entry<RunChipPrediction> | undefined {
    return this.predictions.get(RunLayerState.key(runId, chipId));
  }

  requestPrediction(runId: string, chip: ChipInfo): void {
    const key = RunLayerState.key(runId, chip.id);
    if (this.predictions.has(key)) return;
    this.predictions = limited(this.predictions, key, { status: 'loading' });
    this.client
      .request('run.predictChip', { runId, chip })
      .then((value) => (this.predictions = limited(this.predictions, key, { status: 'ready', value })))
      .catch((error: Error) => (this.predictions = limited(this.predictions, key, { status: 'error', message: error.message })));
  }

  /** A new dataset: nothing cached or shown for the previous one survives. */
  reset(): void {
    this.predictions = new Map();
    this.sideBySide = false;
  }

  /** Forget a run's cached predictions (it trained further, so its best checkpoint may have changed). */
  forget(runId: string): void {
    const keep = <T>(map: ReadonlyMap<string, T>) => new Map([...map].filter(([key]) => !key.split('\u0000').slice(0, -1).includes(runId)));
    this.predictions = keep(this.predictions);
  }
}

function limited<T>(map: ReadonlyMap<string, T>, key: string, value: T): ReadonlyMap<string, T> {
  const next = new Map(map);
  next.delete(key);
  next.set(key, value);
  while (next.size > MAX_CACHED) next.delete(next.keys().next().value!);
  return next;
}
