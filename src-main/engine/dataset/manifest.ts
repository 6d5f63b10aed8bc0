import { readJsonFile } from '../fs/json-file.ts';
import { dirname, isAbsolute, join } from 'node:path';
import { ManifestSchema } from '../../api/dataset.ts';
import { ChipReadError } from '../geo/errors.ts';
import type { ChipSpec } from './chip-spec.ts';

const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/**
 * Reads `floodlens-manifest.json`. Returns null when there is no manifest; an invalid manifest gives
 * no chips and one `bad-manifest` error.
 */
export async function chipsFromManifest(path: string): Promise<{ chips: ChipSpec[]; errors: ChipReadError[] } | null> {
  let json: unknown;
  try {
    json = await readJsonFile(path, MAX_MANIFEST_BYTES); // regular file only (a FIFO is refused, not waited on), bounded
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return null;
    return { chips: [], errors: [new ChipReadError('bad-manifest', path, (error as Error).message.slice(path.length + 2))] };
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { chips: [], errors: [new ChipReadError('bad-manifest', path, issues)] };
  }
  const base = dirname(path);
  const resolvePath = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const chips = parsed.data.chips.map<ChipSpec>((chip) => ({
    id: chip.id,
    layout: 'manifest',
    sources: chip.files.map((f) => ({
      file: resolvePath(f.path),
      bandNames: f.bands,
      namesAreExplicit: true,
      expectedBandCount: f.bands.length,
    })),
    label: chip.label
      ? {
          file: resolvePath(chip.label.path),
          encoding: { water: chip.label.water, notWater: chip.label.notWater, notValid: chip.label.notValid },
        }
      : null,
    date: chip.date,
    dateSource: chip.date ? 'manifest' : null,
    s1Units: chip.s1Units ?? null,
    errors: [],
  }));
  return { chips, errors: [] };
}
