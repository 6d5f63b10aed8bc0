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

/** Okabe–Ito colours (theme.css) for runs A, B, C… (A and B as their masks on the map), as CSS values for `style:`. */
export const RUN_COLOURS = ['run-a', 'run-b', 'oi-blue', 'oi-orange', 'oi-sky', 'oi-vermillion', 'oi-yellow', 'oi-black'].map(
  (name) => `var(--fl-${name})`,
);

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
