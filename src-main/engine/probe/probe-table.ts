import type { ProbeReport } from './probe-report.ts';

const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));

/** probe.md: one row per checkpoint, the five test-split metrics. */
export function probeMarkdown(report: ProbeReport): string {
  const lines = [
    `# Linear probe over ${report.rows.length} encoder checkpoint(s)`,
    '',
    `Data: ${report.dataDir} · test chips: ${report.testChips.length} · budget: ${report.budget.epochs} epoch(s), batch ${report.budget.batchSize}, lr ${report.budget.lr}, seed ${report.budget.seed}, ${report.budget.checkpoint} weights`,
    '',
    '| checkpoint | epoch | dice | iou | f1 | precision | recall |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.rows.map(
      (r) =>
        `| ${r.checkpointName} | ${r.epoch ?? 'n/a'} | ${fmt(r.dice)} | ${fmt(r.iou)} | ${fmt(r.f1)} | ${fmt(r.precision)} | ${fmt(r.recall)} |`,
    ),
  ];
  if (report.warnings.length > 0) lines.push('', ...report.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}
