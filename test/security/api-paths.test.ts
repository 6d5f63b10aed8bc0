/**
 * Server-mode API paths (issue 12, cases 7 and 1): reads confined to the data roots the host was given,
 * write locations and encoders never taken from a client, and FIFOs that cannot stall other requests.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetInspection } from '../../src-main/api/dataset.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { repoRoot } from '../helpers/shared.ts';

const fixtures = resolve(repoRoot, 'test/fixtures/data/sen1floods11');
const work = mkdtempSync(join(tmpdir(), 'floodlens-api-paths-'));
const data = join(work, 'data');
const pipes = join(work, 'pipes');
mkdirSync(data);
mkdirSync(pipes);
copyFileSync(join(fixtures, 'Spain_7370579_S1Hand.tif'), join(data, 'Spain_7370579_S1Hand.tif'));
copyFileSync(join(fixtures, 'Spain_7370579_LabelHand.tif'), join(data, 'Spain_7370579_LabelHand.tif'));
symlinkSync('/etc', join(data, 'link-out'));
execFileSync('mkfifo', [join(pipes, 'a_S1.tif'), join(pipes, 'b_S1.tif')]);
writeFileSync(
  join(pipes, 'floodlens-manifest.json'),
  JSON.stringify({ chips: ['a', 'b'].map((id) => ({ id, files: [{ path: `${id}_S1.tif`, bands: ['VV', 'VH'] }] })) }),
);

const service = new EngineService({
  demoWorkspace: null,
  workspaceDir: join(work, 'workspace'),
  readRoots: [data, pipes, join(work, 'workspace')],
});
afterAll(async () => {
  await service.close();
  rmSync(work, { recursive: true, force: true });
});

describe('server mode: reads confined to the data roots, paths never taken from the client', () => {
  it('dataset.inspect of ../.., of an absolute path outside, and through a symlink out is refused; inside works', async () => {
    const inspect = (dir: string) => service.handle('dataset.inspect', { dir });
    await expect(inspect(join(data, '../..'))).rejects.toThrow(/is outside the folders this server may read/);
    await expect(inspect('/etc')).rejects.toThrow(/outside the folders/);
    await expect(inspect(join(data, 'link-out'))).rejects.toThrow(/outside the folders/);
    const report = (await inspect(data)) as DatasetInspection;
    expect(report.chips.map((c) => c.id)).toEqual(['Spain_7370579']);
  }, 60_000);

  it('a chip whose files point outside the roots is not previewed; run.start with a dataDir outside is refused', async () => {
    const report = (await service.handle('dataset.inspect', { dir: data })) as DatasetInspection;
    const chip = { ...report.chips[0], files: ['/etc/passwd'] };
    await expect(service.handle('chip.preview', { chip, layer: 's1' })).rejects.toThrow(/\/etc\/passwd is outside the folders/);
    const config = { model: 'scratch', dataDir: '/etc', epochs: 1, embeddingsDir: join(work, 'evil'), encoder: '/etc/passwd' };
    await expect(service.handle('run.start', { config })).rejects.toThrow(/\/etc is outside the folders/);
  }, 60_000);

  it('four requests on FIFOs do not stall file access for others (only regular files are opened)', async () => {
    const stuck = Array.from({ length: 4 }, () => service.handle('dataset.inspect', { dir: pipes }) as Promise<DatasetInspection>);
    const other = (await service.handle('dataset.inspect', { dir: data })) as DatasetInspection;
    expect(other.chips).toHaveLength(1);
    for (const report of await Promise.all(stuck))
      expect(report.chips.flatMap((c) => c.errors.map((e) => e.code))).toEqual(['not-regular-file', 'not-regular-file']);
  }, 60_000);
});
