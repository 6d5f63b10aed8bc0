/** Run overlays and the runs workspace: error-map classes agree with the metrics, run ids cannot escape. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src-main/api/contract.ts';
import { DISAGREEMENT_COLOURS, ERROR_COLOURS } from '../../src-main/api/runs.ts';
import { confusionFromMask } from '../../src-main/engine/metrics/index.ts';
import { disagreementRgba, errorRgba } from '../../src-main/engine/preview/overlay-colours.ts';
import { RunWorkspace } from '../../src-main/engine/workspace/run-workspace.ts';

const colourAt = (rgba: Uint8Array, i: number) => [...rgba.subarray(i * 4, i * 4 + 4)];

describe('error map', () => {
  it('colours exactly the TP / FP / FN pixels the metrics count (255 = no prediction counts as not water)', () => {
    const mask = Uint8Array.from([1, 1, 0, 0, 255, 1, 255]);
    const label = Float32Array.from([1, 0, 1, 0, 1, 1, 0]);
    const valid = Uint8Array.from([1, 1, 1, 1, 1, 0, 1]);
    const rgba = errorRgba(mask, label, valid);
    const counts = { tp: 0, fp: 0, fn: 0 };
    for (let i = 0; i < mask.length; i++) {
      const [r, g, b, a] = colourAt(rgba, i);
      if (a === 0) continue;
      const rgb = [r, g, b].join();
      if (rgb === ERROR_COLOURS.truePositive.join()) counts.tp++;
      else if (rgb === ERROR_COLOURS.falsePositive.join()) counts.fp++;
      else if (rgb === ERROR_COLOURS.falseNegative.join()) counts.fn++;
      else throw new Error(`unexpected colour ${rgb}`);
    }
    const reference = confusionFromMask(mask, label, { valid });
    expect(counts).toEqual({ tp: reference.tp, fp: reference.fp, fn: reference.fn });
    expect(colourAt(rgba, 5)[3]).toBe(0); // not-valid label: transparent
  });

  it('marks where exactly one run says water, skipping pixels without prediction', () => {
    const { rgba, differing, compared } = disagreementRgba(Uint8Array.from([1, 0, 1, 255, 0]), Uint8Array.from([0, 1, 1, 1, 0]));
    expect({ differing, compared }).toEqual({ differing: 2, compared: 4 });
    expect(colourAt(rgba, 0)).toEqual([...DISAGREEMENT_COLOURS.onlyA, 255]);
    expect(colourAt(rgba, 1)).toEqual([...DISAGREEMENT_COLOURS.onlyB, 255]);
    expect(colourAt(rgba, 2)[3]).toBe(0);
    expect(() => disagreementRgba(new Uint8Array(2), new Uint8Array(3))).toThrow(/differ in size/);
  });
});

describe('runs workspace', () => {
  it('keeps runs under <dir>/runs and refuses ids that could escape it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodlens-ws-'));
    try {
      const workspace = new RunWorkspace(dir);
      const id = workspace.newRunId('scratch', new Date('2025-03-04T05:06:07Z'));
      expect(id).toMatch(/^20250304-050607-scratch-[0-9a-f]{4}$/);
      expect(workspace.runDir(id)).toBe(join(dir, 'runs', id));
      for (const bad of ['../x', '.hidden', 'a/b', 'a\\b', '']) expect(() => workspace.runDir(bad)).toThrow(/invalid run id/);
      expect(await workspace.listRecords()).toEqual([]);
      await expect(workspace.record(id)).rejects.toThrow(/no run/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates runs requests at the contract boundary', () => {
    expect(() => parseRequest('run.get', { runId: '../../etc' })).toThrow(/invalid payload for "run.get"/);
    expect(() => parseRequest('export.masks', { runIds: ['a'], chipIds: [], dataDir: '/d' })).toThrow(/chipIds/);
    const start = parseRequest('run.start', { config: { model: 'scratch', dataDir: '/data' } });
    expect(start.payload).toMatchObject({ config: { epochs: 10, batchSize: 4, seed: 0 } });
    expect(parseRequest('export.masks', { runIds: ['a'], chipIds: ['c'], dataDir: '/d' }).payload).toMatchObject({ probabilities: false });
  });
});
