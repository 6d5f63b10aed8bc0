/** Map layers of the selected runs on the selected chip: predicted mask, probability, error map, disagreement. */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { ChipInfo } from '../../../src-main/api/dataset.ts';
import type { Disagreement, RunChipPrediction, RunOverlayLayer } from '../../../src-main/api/runs.ts';
import type { LayerSetting } from './layers.svelte.ts';

export type Entry<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };
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
  disagreements = $state.raw<ReadonlyMap<string, Entry<Disagreement>>>(new Map());

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

  disagreementOf(a: string, b: string, chipId: string): Entry<Disagreement> | undefined {
    return this.disagreements.get(RunLayerState.key(a, b, chipId));
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

  requestDisagreement(a: string, b: string, chip: ChipInfo): void {
    const key = RunLayerState.key(a, b, chip.id);
    if (this.disagreements.has(key)) return;
    this.disagreements = limited(this.disagreements, key, { status: 'loading' });
    this.client
      .request('runs.disagreement', { runIds: [a, b], chip })
      .then((value) => (this.disagreements = limited(this.disagreements, key, { status: 'ready', value })))
      .catch((error: Error) => (this.disagreements = limited(this.disagreements, key, { status: 'error', message: error.message })));
  }

  /** Forget a run's cached predictions (it trained further, so its best checkpoint may have changed). */
  forget(runId: string): void {
    const keep = <T>(map: ReadonlyMap<string, T>) => new Map([...map].filter(([key]) => !key.split('\u0000').slice(0, -1).includes(runId)));
    this.predictions = keep(this.predictions);
    this.disagreements = keep(this.disagreements);
  }
}

function limited<T>(map: ReadonlyMap<string, T>, key: string, value: T): ReadonlyMap<string, T> {
  const next = new Map(map);
  next.delete(key);
  next.set(key, value);
  while (next.size > MAX_CACHED) next.delete(next.keys().next().value!);
  return next;
}
