import { SCORE_KEYS, type MetricsReport } from '../api/metrics.ts';

const REPORTED = SCORE_KEYS.filter((key) => key !== 'accuracy');

function cell(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(4);
}

/** A plain-text table: one column per run, rows for each score (global and per-chip mean). */
export function formatMetricsTable(columns: { name: string; report: MetricsReport; extra?: Record<string, string> }[]): string {
  const rows: string[][] = [['', ...columns.map((c) => c.name)]];
  const extraKeys = [...new Set(columns.flatMap((c) => Object.keys(c.extra ?? {})))];
  for (const key of extraKeys) rows.push([key, ...columns.map((c) => c.extra?.[key] ?? '')]);
  for (const key of REPORTED) rows.push([`${key} (global)`, ...columns.map((c) => cell(c.report.metrics[key]))]);
  for (const key of REPORTED) rows.push([`${key} (per-chip mean)`, ...columns.map((c) => cell(c.report.perChipMean[key]))]);
  rows.push(['accuracy (global)', ...columns.map((c) => cell(c.report.metrics.accuracy))]);
  rows.push([
    'tp / fp / fn / tn',
    ...columns.map((c) => `${c.report.metrics.tp} / ${c.report.metrics.fp} / ${c.report.metrics.fn} / ${c.report.metrics.tn}`),
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join('  ')).join('\n');
}
