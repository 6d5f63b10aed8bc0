/**
 * Exports never leave the folder the host chose (native dialog or `serve --export-dir`): the renderer cannot
 * name a path, run ids and chip ids cannot climb out with `..` or absolute paths, and a symlink planted in
 * the export folder is refused rather than followed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRequest } from '../../src-main/api/contract.ts';
import { inspectDataset, isReadable } from '../../src-main/engine/dataset/inspect.ts';
import { containedSubfolder, FolderEscapeError } from '../../src-main/engine/fs/contained-folder.ts';
import { exportChipPrediction } from '../../src-main/engine/prediction/export-chip.ts';
import { exportMasks } from '../../src-main/engine/workspace/export-masks.ts';
import { RunWorkspace } from '../../src-main/engine/workspace/run-workspace.ts';
import { repoRoot } from '../helpers/shared.ts';

let temp: string;
let exportDir: string;
let outside: string;

beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'floodlens-export-sec-'));
  exportDir = join(temp, 'exports');
  outside = join(temp, 'outside');
  mkdirSync(exportDir);
  mkdirSync(outside);
});
afterEach(() => rmSync(temp, { recursive: true, force: true }));

describe('export requests carry no path the renderer chose', () => {
  it('drops an outDir smuggled into export.masks and refuses run ids that climb out', () => {
    const parsed = parseRequest('export.masks', { runIds: ['run-1'], chipIds: ['a'], dataDir: '/data', outDir: '/etc', dir: '../../x' });
    expect(parsed.payload).toEqual({ runIds: ['run-1'], chipIds: ['a'], dataDir: '/data', probabilities: false, overwrite: false });
    for (const runId of ['../x', '..', '.hidden', '/etc', 'a/b', 'a\\b', '']) {
      expect(() => parseRequest('export.masks', { runIds: [runId], chipIds: ['a'], dataDir: '/data' }), runId).toThrow(/invalid payload/);
      expect(() => parseRequest('export.runCard', { runId }), runId).toThrow(/invalid payload/);
    }
  });
});

describe('containedSubfolder: the per-run folder inside the export folder', () => {
  it('creates or reuses a plain sub-folder', async () => {
    expect(await containedSubfolder(exportDir, 'run-1')).toBe(join(exportDir, 'run-1'));
    expect(await containedSubfolder(exportDir, 'run-1')).toBe(join(exportDir, 'run-1'));
  });

  it('refuses names with separators, dots or absolute paths', async () => {
    for (const name of ['..', '.', '', '../outside', 'a/b', 'a\\b', '/etc', 'x\0y']) {
      await expect(containedSubfolder(exportDir, name), JSON.stringify(name)).rejects.toBeInstanceOf(FolderEscapeError);
    }
  });

  it('refuses a symlink planted where the run folder goes, and a file in its place', async () => {
    symlinkSync(outside, join(exportDir, 'run-1'));
    await expect(containedSubfolder(exportDir, 'run-1')).rejects.toThrow(/symbolic link/);
    symlinkSync(join(exportDir), join(exportDir, 'run-2')); // even one pointing back inside
    await expect(containedSubfolder(exportDir, 'run-2')).rejects.toThrow(/symbolic link/);
    writeFileSync(join(exportDir, 'run-3'), 'not a folder');
    await expect(containedSubfolder(exportDir, 'run-3')).rejects.toThrow(/not a folder/);
  });

  it('exportMasks refuses before predicting anything when the run folder is a symlink out', async () => {
    symlinkSync(outside, join(exportDir, 'run-1'));
    const workspace = new RunWorkspace(join(temp, 'workspace'));
    await expect(
      exportMasks(
        workspace,
        { runIds: ['run-1'], chipIds: ['a'], dataDir: join(temp, 'data'), probabilities: false, outDir: exportDir },
        () => undefined,
      ),
    ).rejects.toBeInstanceOf(FolderEscapeError);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('chip ids from a manifest cannot steer where a mask is written', () => {
  it('writes masks of chips named "../…", "/abs/…" and ".." inside the chosen folder', async () => {
    const inspection = await inspectDataset(join(repoRoot, 'resources/demo/sen1floods11'));
    const chip = inspection.chips.find(isReadable);
    expect(chip).toBeDefined();
    const pixels = chip!.width! * chip!.height!;
    for (const id of ['../../escaped', '/tmp/absolute-escape', '..', '..\\..\\win', 'a/../../b']) {
      const files = await exportChipPrediction(
        { ...chip!, id },
        { mask: new Uint8Array(pixels), probabilities: new Float32Array(pixels) },
        exportDir,
        {},
      );
      for (const file of [files.mask, files.probabilities!]) {
        expect(file.startsWith(exportDir + '/'), `${id} → ${file}`).toBe(true);
        expect(file.slice(exportDir.length + 1)).not.toMatch(/[/\\]/);
        expect(existsSync(file)).toBe(true);
      }
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(temp).sort()).toEqual(['exports', 'outside']);
  });
});
