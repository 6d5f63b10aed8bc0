import type { WaterAreas } from '../api/run.ts';

export const formatKm2 = (value: number): string => value.toFixed(4);

/** Extra table rows for a run's total water areas (formatMetricsTable's `extra`). */
export function areaRows(areas: WaterAreas | undefined): Record<string, string> {
  if (!areas) return {};
  return {
    'water km² predicted': formatKm2(areas.total.predictedWaterKm2),
    'water km² label': formatKm2(areas.total.labelWaterKm2),
  };
}

/**
 * Per-chip water areas, one row per chip: the label's water, then each run's predicted water (km², over the label's
 * valid pixels), and a total row. Chips without georeference show n/a.
 */
export function formatChipAreaTable(chips: string[], columns: { name: string; areas: WaterAreas | undefined }[]): string {
  const byChip = columns.map((column) => new Map((column.areas?.perChip ?? []).map((chip) => [chip.id, chip])));
  const labelOf = (id: string) => byChip.map((map) => map.get(id)).find((chip) => chip !== undefined);
  const rows: string[][] = [['chip', 'valid km²', 'label water km²', ...columns.map((c) => `${c.name} km²`)]];
  for (const id of chips) {
    const label = labelOf(id);
    rows.push([
      id,
      label ? formatKm2(label.validAreaKm2) : 'n/a',
      label ? formatKm2(label.labelWaterKm2) : 'n/a',
      ...byChip.map((map) => {
        const chip = map.get(id);
        return chip ? formatKm2(chip.predictedWaterKm2) : 'n/a';
      }),
    ]);
  }
  const total = columns.find((c) => c.areas)?.areas?.total;
  rows.push([
    'total',
    total ? formatKm2(total.validAreaKm2) : 'n/a',
    total ? formatKm2(total.labelWaterKm2) : 'n/a',
    ...columns.map((c) => (c.areas ? formatKm2(c.areas.total.predictedWaterKm2) : 'n/a')),
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join('  ')).join('\n');
}
