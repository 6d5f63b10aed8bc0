/**
 * Replays every input the fuzzers ever failed on (test/fixtures/fuzz-regressions/): each must now end
 * in a typed error or a valid result, within the same time and memory bounds as the fuzz cases.
 * File names say the target: tiff-<fixture>-<hash>.tif (chip reader), ckpt-*.pt (checkpoint reader).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boundedCase, REGRESSIONS_DIR } from './harness.ts';
import { isChipReadError, loadTiffSources, tiffTarget, TiffWorkspace } from './tiff-fuzz.ts';
import { CheckpointWorkspace, checkpointTarget, isCheckpointError } from './checkpoint-fuzz.ts';

const files = readdirSync(REGRESSIONS_DIR)
  .filter((f) => /\.(tif|pt)$/.test(f))
  .sort();

describe('fuzz regressions: every saved crash stays fixed', () => {
  const sources = loadTiffSources();
  const tiffs = new TiffWorkspace(sources);
  const checkpoints = new CheckpointWorkspace();
  afterAll(() => {
    tiffs.dispose();
    checkpoints.dispose();
  });

  it('there are saved regressions to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    it(name, async () => {
      const bytes = new Uint8Array(readFileSync(join(REGRESSIONS_DIR, name)));
      if (name.startsWith('tiff-')) {
        const source = sources.find((s) => name.startsWith(`tiff-${s.name.replace(/\.tif$/, '')}-`));
        expect(source, `no fixture matches ${name}`).toBeDefined();
        const { dir, file } = tiffs.prepare(source!, bytes);
        await boundedCase(() => tiffTarget(dir, file), isChipReadError);
      } else {
        const path = checkpoints.write(bytes);
        await boundedCase(() => checkpointTarget(path), isCheckpointError);
      }
    });
  }
});
