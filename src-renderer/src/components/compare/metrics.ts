/** The five scores compared side by side, and which run is best on each. */
export const COMPARED_METRICS = ['dice', 'iou', 'f1', 'precision', 'recall'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];
export const METRIC_TITLES: Record<ComparedMetric, string> = {
  dice: 'Dice',
  iou: 'IoU',
  f1: 'F1',
  precision: 'Precision',
  recall: 'Recall',
};

/** Indexes of the highest defined values (ties all marked); none when fewer than two runs have a value. */
export function bestIndexes(values: readonly (number | null)[]): Set<number> {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length < 2) return new Set();
  const best = Math.max(...defined);
  return new Set(values.flatMap((v, i) => (v === best ? [i] : [])));
}

/** Okabe–Ito colours for runs A, B, C… (A and B as their masks on the map). */
export const RUN_COLOURS = ['#009e73', '#cc79a7', '#0072b2', '#e69f00', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

/** A CSV file from rows of cells (quoted where needed), downloaded by the browser. */
export function downloadCsv(fileName: string, rows: (string | number | null)[][]): void {
  const cell = (v: string | number | null) =>
    v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
  const blob = new Blob([rows.map((r) => r.map(cell).join(',')).join('\n') + '\n'], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
