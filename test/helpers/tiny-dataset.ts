/**
 * A tiny real dataset for training tests: the Sen1Floods11 fixture chip (S1 VV/VH and its hand label) listed
 * under several ids in a floodlens manifest, so a run has train, validation and test chips in seconds.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from './shared.ts';

export function writeTinyS1Dataset(dir: string, ids: readonly string[]): string {
  cpSync(resolve(repoRoot, 'test/fixtures/data/sen1floods11'), dir, { recursive: true });
  const chip = (id: string) => ({
    id,
    files: [{ path: 'Spain_7370579_S1Hand.tif', bands: ['VV', 'VH'] }],
    label: { path: 'Spain_7370579_LabelHand.tif', water: 1, notWater: 0, notValid: [-1] },
  });
  writeFileSync(join(dir, 'floodlens-manifest.json'), JSON.stringify({ chips: ids.map(chip) }));
  return dir;
}
