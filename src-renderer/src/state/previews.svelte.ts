/** Quicklooks fetched from the engine (`chip.preview`), cached per chip and layer. */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { ChipInfo } from '../../../src-main/api/dataset.ts';
import type { ChipPreview, PreviewLayer } from '../../../src-main/api/preview.ts';
import type { Loadable } from './loadable.ts';

export type PreviewEntry = Loadable<ChipPreview>;

const MAX_CACHED = 24;

export class PreviewState {
  entries = $state.raw<ReadonlyMap<string, PreviewEntry>>(new Map());

  constructor(private readonly client: FloodlensClient) {}

  static key(chipId: string, layer: PreviewLayer): string {
    return `${chipId}\u0000${layer}`;
  }

  get(chipId: string, layer: PreviewLayer): PreviewEntry | undefined {
    return this.entries.get(PreviewState.key(chipId, layer));
  }

  /** Starts loading unless cached or already loading. */
  request(chip: ChipInfo, layer: PreviewLayer): void {
    const key = PreviewState.key(chip.id, layer);
    if (this.entries.has(key)) return;
    this.put(key, { status: 'loading' });
    this.client
      .request('chip.preview', { chip, layer })
      .then((value) => this.put(key, { status: 'ready', value }))
      .catch((error: Error) => this.put(key, { status: 'error', message: error.message }));
  }

  clear(): void {
    this.entries = new Map();
  }

  private put(key: string, entry: PreviewEntry): void {
    const next = new Map(this.entries);
    next.delete(key);
    next.set(key, entry);
    while (next.size > MAX_CACHED) next.delete(next.keys().next().value!);
    this.entries = next;
  }
}
