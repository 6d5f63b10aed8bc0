import { createHash } from 'node:crypto';
import { hashRegularFile } from '../fs/regular-file.ts';
import { basename } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';

/** SHA-256 over the chip's image files (name and bytes, sorted by name): what its embedding depends on. */
export async function chipFingerprint(chip: ChipInfo): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...chip.files].sort((a, b) => (basename(a) < basename(b) ? -1 : 1))) {
    hash.update(`file:${basename(file)}\n`);
    await hashRegularFile(file, hash);
  }
  return hash.digest('hex');
}
