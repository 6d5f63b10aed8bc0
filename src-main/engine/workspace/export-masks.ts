import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportProgressEvent, ExportResult } from '../../api/runs.ts';
import { containedSubfolder } from '../fs/contained-folder.ts';
import { requireCompletedOutputs } from '../fs/completion.ts';
import { chipFileStem } from '../fs/chip-file-stem.ts';
import { maskFileName } from '../prediction/export-chip.ts';
import { runJob } from '../jobs/worker-host.ts';
import type { RunWorkspace } from './run-workspace.ts';

export interface ExportMasksRequest {
  runIds: string[];
  chipIds: string[];
  dataDir: string;
  probabilities: boolean;
  /** Replace masks already there; without it nothing is written when one exists. */
  overwrite?: boolean;
  /** Chosen by the host (dialog or `--export-dir`), never by the UI. */
  outDir: string;
}

/**
 * Predicts the chosen chips with each run (worker thread) and writes `<outDir>/<runId>/<chipId>_mask.tif`
 * (and `_prob.tif`) on each chip's own grid, reporting progress per chip.
 */
export async function exportMasks(
  workspace: RunWorkspace,
  request: ExportMasksRequest,
  onProgress: (event: ExportProgressEvent) => void,
): Promise<ExportResult> {
  const total = request.runIds.length * request.chipIds.length;
  if (!request.overwrite) {
    const existing = request.runIds
      .flatMap((runId) => request.chipIds.map((chipId) => join(request.outDir, runId, maskFileName(chipFileStem(chipId)))))
      .filter((file) => existsSync(file));
    if (existing.length > 0) return { dir: request.outDir, files: [], existing };
  }
  const files: ExportResult['files'] = [];
  onProgress({ done: 0, total, message: 'starting' });
  for (const runId of request.runIds) {
    const before = files.length;
    const outDir = await containedSubfolder(request.outDir, runId);
    const result = await runJob(
      'predict',
      {
        runDir: workspace.runDir(runId),
        dataDir: request.dataDir,
        outDir,
        probabilities: request.probabilities,
        chips: { ids: request.chipIds },
      },
      { onProgress: (p) => onProgress({ done: before + p.step, total, message: `${runId}: ${p.message ?? ''}` }) },
    );
    // Report only what the completion marker vouches for (written last by predict, atomically).
    const completed = new Set((await requireCompletedOutputs(outDir, { verify: 'size' })).files.map((file) => file.path));
    const vouched = (path: string | null) => (path !== null && completed.has(path) ? path : null);
    for (const chip of result.chips) {
      const mask = vouched(chip.files.mask);
      if (mask) files.push({ runId, chipId: chip.id, mask, probabilities: vouched(chip.files.probabilities) });
    }
  }
  onProgress({ done: total, total, message: 'done' });
  return { dir: request.outDir, files, existing: [] };
}
