/**
 * Scene windows are read in blocks of windows (bounded bytes), not strips of the scene's width: a window cut from
 * a block is the one cut from the whole-width strip (reflect padding at every edge included), and a part predicted
 * one window per block is byte for byte the part predicted from blocks as wide as the scene.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { predictScenePart } from '../../src-main/engine/scene/predict-part.ts';
import { SceneReader, openSceneInfo, windowOfStrip } from '../../src-main/engine/scene/scene-source.ts';
import { hasShared, reportSkippedWithoutShared } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';

reportSkippedWithoutShared('scene blocks');

const work = mkdtempSync(join(tmpdir(), 'floodlens-scene-blocks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Index of the first value that differs (NaN equals NaN), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

describe.skipIf(!hasShared)('scene windows read in blocks (a 533×301 mosaic of real chips)', () => {
  const scene = join(work, 'mosaic.tif');
  beforeAll(() => buildChipMosaic(scene, { width: 533, height: 301 }), 60_000);

  it('a window from a block = the window from the whole-width strip, at every edge and wider than the scene', async () => {
    const reader = await SceneReader.open(await openSceneInfo(scene));
    try {
      // Bands the scene lacks (B02) stay NaN and absent in both.
      const bands = ['VV', 'B02', 'VH'] as const;
      for (const [size, y] of [
        [128, -16],
        [128, 200],
        [768, -256],
      ] as const) {
        const strip = await reader.readStrip(bands, y, size);
        for (const x of [-size / 2, -16, 101, 533 - size / 2, 533 - 16]) {
          for (const cols of [size, size + 96]) {
            const block = await reader.readBlock(bands, x, y, cols, size);
            expect(block.present).toEqual([true, false, true]);
            const fromBlock = windowOfStrip(block, x + cols - size, size);
            const fromStrip = windowOfStrip(strip, x + cols - size, size);
            expect(firstDifference(fromBlock.pixels, fromStrip.pixels), `window ${size} at (${x + cols - size}, ${y})`).toBe(-1);
          }
        }
      }
      const inside = await reader.readBlock(['VV'], 100, 10, 64, 32);
      expect(() => windowOfStrip(inside, 90, 32)).toThrow(/outside the strip/);
    } finally {
      await reader.close();
    }
  });

  it('a part predicted one window per block is the part predicted from strips of the scene’s width, byte for byte', async () => {
    const runDir = await writeSeededScratchRun(join(work, 'run'), { chipSize: 256 });
    const context = new LocalJobContext('test');
    const part = async (name: string, readBlockBytes?: number) => {
      const partDir = join(work, name);
      const { manifest } = await predictScenePart({ runDir, scene, probabilities: true, partDir, rows: [0, 1], readBlockBytes }, context);
      return readFileSync(manifest.replace(/\.json$/, '.bin'));
    };
    // 256-px windows, 192-px cores: 3 windows across, read in one strip of the scene's width or one at a time.
    const wide = await part('wide');
    const narrow = await part('narrow', 1);
    expect(narrow.equals(wide)).toBe(true);
  }, 300_000);
});
