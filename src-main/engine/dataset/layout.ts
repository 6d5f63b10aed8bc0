/**
 * Finds chips in a folder: Sen1Floods11 (`*_S1Hand/_S2Hand/_LabelHand`), C2S-MS per-band files
 * (`<id>_vv.tif`, `<id>_vh.tif`, label `<id>.tif`), datacubes (`<id>_<x>.tif` + `<id>_label.tif`),
 * or an explicit `floodlens-manifest.json`.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { fileKind } from '../fs/regular-file.ts';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_FILE_NAME, type DatasetLayout } from '../../api/dataset.ts';
import { SEN1FLOODS11_S1_BANDS, SEN1FLOODS11_S2_BANDS } from './bands.ts';
import { sen1floods11Date } from './dates.ts';
import { ChipReadError } from '../geo/errors.ts';
import type { ChipSource, ChipSpec } from './chip-spec.ts';
import { chipsFromManifest } from './manifest.ts';

const TIFF = /\.tiff?$/i;
const stem = (file: string) => basename(file).replace(TIFF, '');

/** Folders deeper than this below the dataset root are not searched. */
const MAX_DEPTH = 8;

/**
 * TIFF files below `dir`, following symbolic links (data often lives on another disk) but never
 * visiting a real folder twice, so link cycles end. Hidden entries and node_modules are skipped, and only
 * regular files are listed (a FIFO or device named `x.tif` is never opened). A subfolder the scan may not
 * enter (`lost+found`, mode 700 of another user) is a warning naming it; the rest still loads. The root
 * itself must be readable.
 */
async function listTiffs(dir: string): Promise<{ files: string[]; errors: ChipReadError[] }> {
  const found: string[] = [];
  const errors: ChipReadError[] = [];
  const visited = new Set<string>();
  const walk = async (folder: string, depth: number): Promise<void> => {
    const real = await realpath(folder).catch(() => null);
    if (real === null || visited.has(real) || depth > MAX_DEPTH) return;
    visited.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (depth === 0 || (code !== 'EACCES' && code !== 'EPERM')) throw error;
      errors.push(
        new ChipReadError(
          'unreadable-folder',
          folder,
          `cannot read this folder (${code}, permission denied): skipped, the rest of the dataset is loaded`,
          'warning',
        ),
      );
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(folder, entry.name);
      const kind = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry;
      if (kind?.isDirectory()) await walk(path, depth + 1);
      else if (kind?.isFile() && TIFF.test(entry.name)) found.push(path);
      else if (kind && TIFF.test(entry.name))
        errors.push(new ChipReadError('not-regular-file', path, `${fileKind(kind)}, not a regular file: not opened`, 'warning'));
    }
  };
  await walk(dir, 0);
  return { files: found.sort(), errors };
}

/**
 * Chip ids must be unique: outputs are named after them. When two chips share one (the same file name in
 * two subfolders, or a manifest listing it twice) the first keeps it and the others are refused, naming both.
 */
export function refuseDuplicateIds(chips: ChipSpec[]): { chips: ChipSpec[]; errors: ChipReadError[] } {
  const first = new Map<string, ChipSpec>();
  const errors: ChipReadError[] = [];
  for (const chip of chips) {
    const earlier = first.get(chip.id);
    if (!earlier) first.set(chip.id, chip);
    else {
      const file = chip.sources[0]?.file ?? chip.id;
      errors.push(
        new ChipReadError(
          'duplicate-chip-id',
          file,
          `chip id "${chip.id}" is already used by ${earlier.sources[0]?.file ?? 'another chip'}: this chip is left out (rename one, or give ids in floodlens-manifest.json)`,
        ),
      );
    }
  }
  return { chips: [...first.values()], errors };
}

export interface DetectedChips {
  layout: DatasetLayout;
  chips: ChipSpec[];
  /** Problems not tied to a chip: unrecognised files, invalid manifest. */
  errors: ChipReadError[];
}

function sen1floods11Chips(files: string[], used: Set<string>): ChipSpec[] {
  const groups = new Map<string, Partial<Record<'S1Hand' | 'S2Hand' | 'LabelHand', string>>>();
  for (const file of files) {
    const match = /^(.+)_(S1Hand|S2Hand|LabelHand)$/i.exec(stem(file));
    if (!match) continue;
    const key = join(dirname(file), match[1]);
    const kind = (['S1Hand', 'S2Hand', 'LabelHand'] as const).find((k) => k.toLowerCase() === match[2].toLowerCase())!;
    groups.set(key, { ...groups.get(key), [kind]: file });
  }
  const chips: ChipSpec[] = [];
  for (const [key, group] of groups) {
    if (!group.S1Hand && !group.S2Hand) continue;
    const id = basename(key);
    const sources: ChipSource[] = [];
    if (group.S1Hand) sources.push({ file: group.S1Hand, bandNames: SEN1FLOODS11_S1_BANDS, namesAreExplicit: false, expectedBandCount: 2 });
    if (group.S2Hand)
      sources.push({ file: group.S2Hand, bandNames: SEN1FLOODS11_S2_BANDS, namesAreExplicit: false, expectedBandCount: 13 });
    for (const file of Object.values(group)) used.add(file);
    const date = sen1floods11Date(id, Boolean(group.S1Hand));
    chips.push({
      id,
      layout: 'sen1floods11',
      sources,
      label: group.LabelHand ? { file: group.LabelHand, encoding: { water: 1, notWater: 0, notValid: [-1] } } : null,
      date,
      dateSource: date ? 'sen1floods11-event-table' : null,
      s1Units: null,
      errors: [],
    });
  }
  return chips;
}

function c2smsChips(files: string[], used: Set<string>): ChipSpec[] {
  const byPath = new Set(files);
  const groups = new Map<string, { vv?: string; vh?: string }>();
  for (const file of files) {
    if (used.has(file)) continue;
    const match = /^(.+)_(vv|vh)$/i.exec(stem(file));
    if (!match) continue;
    const key = join(dirname(file), match[1]);
    groups.set(key, { ...groups.get(key), [match[2].toLowerCase()]: file });
  }
  const chips: ChipSpec[] = [];
  for (const [key, group] of groups) {
    const sources: ChipSource[] = [];
    if (group.vv) sources.push({ file: group.vv, bandNames: ['VV'], namesAreExplicit: true, expectedBandCount: 1 });
    if (group.vh) sources.push({ file: group.vh, bandNames: ['VH'], namesAreExplicit: true, expectedBandCount: 1 });
    const labelFile = [`${key}.tif`, `${key}.tiff`].find((f) => byPath.has(f)) ?? null;
    for (const source of sources) used.add(source.file);
    if (labelFile) used.add(labelFile);
    chips.push({
      id: basename(key),
      layout: 'c2smsfloods',
      sources,
      label: labelFile ? { file: labelFile, encoding: { water: 1, notWater: 0, notValid: [255] } } : null,
      date: null,
      dateSource: null,
      s1Units: null,
      errors: [],
    });
  }
  return chips;
}

function datacubeChips(files: string[], used: Set<string>): ChipSpec[] {
  const chips: ChipSpec[] = [];
  for (const labelFile of files) {
    const match = /^(.+)_label$/i.exec(stem(labelFile));
    if (!match || used.has(labelFile)) continue;
    const id = match[1];
    const images = files.filter((f) => {
      if (f === labelFile || used.has(f) || dirname(f) !== dirname(labelFile)) return false;
      const s = stem(f);
      return s === id || (s.startsWith(`${id}_`) && !/_label$/i.test(s));
    });
    if (images.length === 0) continue;
    const preferred = images.find((f) => /_app13$/i.test(stem(f))) ?? images[0];
    used.add(labelFile);
    used.add(preferred);
    const errors =
      images.length > 1
        ? [
            new ChipReadError(
              'wrong-band-count',
              preferred,
              `several image files match label ${basename(labelFile)}; using ${basename(preferred)}`,
              'warning',
            ),
          ]
        : [];
    chips.push({
      id,
      layout: 'datacube',
      sources: [{ file: preferred, bandNames: null, namesAreExplicit: false, expectedBandCount: null }],
      label: { file: labelFile, encoding: { water: 1, notWater: 0, notValid: [255] } },
      date: null,
      dateSource: null,
      s1Units: null,
      errors,
    });
  }
  return chips;
}

/** Detects the chips under `dir` (recursively). A manifest at the root, if present, is authoritative. */
export async function detectChips(dir: string): Promise<DetectedChips> {
  const manifest = join(dir, MANIFEST_FILE_NAME);
  const fromManifest = await chipsFromManifest(manifest);
  if (fromManifest) {
    const unique = refuseDuplicateIds(fromManifest.chips);
    return {
      layout: unique.chips.length > 0 ? 'manifest' : 'empty',
      chips: unique.chips,
      errors: [...fromManifest.errors, ...unique.errors],
    };
  }

  const { files, errors: scanErrors } = await listTiffs(dir);
  const used = new Set<string>();
  const detected = [...sen1floods11Chips(files, used), ...c2smsChips(files, used), ...datacubeChips(files, used)];
  detected.sort((a, b) => a.id.localeCompare(b.id) || (a.sources[0]?.file ?? '').localeCompare(b.sources[0]?.file ?? ''));
  const { chips, errors: duplicateErrors } = refuseDuplicateIds(detected);
  const errors = [...scanErrors, ...duplicateErrors];
  errors.push(
    ...files
      .filter((f) => !used.has(f))
      .map(
        (f) => new ChipReadError('unrecognised-file', f, 'matches no known chip layout (add it to a floodlens-manifest.json)', 'warning'),
      ),
  );
  const layouts = [...new Set(chips.map((c) => c.layout))];
  const layout: DatasetLayout = layouts.length === 0 ? 'empty' : layouts.length === 1 ? layouts[0] : 'mixed';
  return { layout, chips, errors };
}
