import type { ChipInfo } from '../../api/dataset.ts';
import type { EvalSplit, RunRecord } from '../../api/run.ts';

/** A split of a run, every chip, or explicit chip ids. */
export type ChipSelection = EvalSplit | { ids: string[] };

/** Chip ids of a run's split that exist in `chips`, or all of them. */
export function selectChips(record: RunRecord, chips: readonly ChipInfo[], which: ChipSelection): ChipInfo[] {
  const byId = new Map(chips.map((chip) => [chip.id, chip]));
  const ids = typeof which === 'object' ? which.ids : which === 'all' ? chips.map((c) => c.id) : record.data.split[which];
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0)
    throw new Error(
      `chips not found (or unlabelled) in the data folder: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    );
  return ids.map((id) => byId.get(id)!);
}
