/** The open dataset: inspection, footprints, and which chip is selected (shared by map and table). */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { ChipInfo, DatasetInspection } from '../../../src-main/api/dataset.ts';
import type { ChipFootprint, ChipGrid } from '../../../src-main/api/preview.ts';

export type DatasetStatus = 'idle' | 'loading' | 'ready' | 'error';
/** Where a selection came from: the other view follows (the map flies to a row picked in the table). */
export type SelectionOrigin = 'map' | 'table';

function gridOf(chip: ChipInfo): ChipGrid | null {
  if (!chip.proj4 || !chip.geoTransform || !chip.width || !chip.height) return null;
  return { id: chip.id, proj4: chip.proj4, geoTransform: chip.geoTransform, width: chip.width, height: chip.height };
}

export class DatasetState {
  dir = $state<string | null>(null);
  status = $state<DatasetStatus>('idle');
  error = $state<string | null>(null);
  inspection = $state.raw<DatasetInspection | null>(null);
  footprints = $state.raw<ReadonlyMap<string, ChipFootprint>>(new Map());
  selectedId = $state<string | null>(null);
  selectionOrigin = $state<SelectionOrigin>('table');
  /** Chips ticked in the table: the "chosen set" a comparison or an export can use. */
  chosen = $state.raw<ReadonlySet<string>>(new Set());
  chips = $derived(this.inspection?.chips ?? []);
  selected = $derived(this.chips.find((c) => c.id === this.selectedId) ?? null);
  private generation = 0;

  constructor(private readonly client: FloodlensClient) {}

  async open(dir: string): Promise<void> {
    const generation = ++this.generation;
    this.dir = dir;
    this.status = 'loading';
    this.error = null;
    this.selectedId = null;
    this.inspection = null;
    this.footprints = new Map();
    try {
      const inspection = await this.client.request('dataset.inspect', { dir });
      const grids = inspection.chips.map(gridOf).filter((g): g is ChipGrid => g !== null);
      const footprints = grids.length > 0 ? await this.client.request('chip.footprints', { chips: grids }) : [];
      if (generation !== this.generation) return; // a newer open() won
      this.inspection = inspection;
      this.footprints = new Map(footprints.map((f) => [f.id, f]));
      this.status = 'ready';
    } catch (error) {
      if (generation !== this.generation) return;
      this.inspection = null;
      this.footprints = new Map();
      this.error = error instanceof Error ? error.message : String(error);
      this.status = 'error';
    }
  }

  toggleChosen(id: string): void {
    const next = new Set(this.chosen);
    if (!next.delete(id)) next.add(id);
    this.chosen = next;
  }

  select(id: string | null, origin: SelectionOrigin): void {
    this.selectionOrigin = origin;
    this.selectedId = id;
  }
}
