/**
 * A partial scene output: the mask (and probability) rows of a contiguous range of COG tile rows,
 * DEFLATE-compressed one tile row per record in `<stem>.part-<r0>-<r1>.bin`, described by
 * `<stem>.part-<r0>-<r1>.json` — written last and atomically, so a part with a JSON is complete.
 * Workers of one run and shards of a scheduler both write parts; `mergeSceneParts` assembles them.
 */
import { z } from 'zod';
import { basename, extname, join } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import { beginOutputs, completeOutputs } from '../fs/completion.ts';
import type { ScenePlan } from './scene-plan.ts';

export const PART_FORMAT = 'floodlens-scene-part/1';

const ByteRangeSchema = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);

export const ScenePartSchema = z.object({
  format: z.literal(PART_FORMAT),
  stem: z.string(),
  scene: z.object({
    path: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    epsg: z.number().int(),
    proj4: z.string(),
    isGeographic: z.boolean(),
    geoTransform: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]),
    bands: z.array(z.string()),
    s1Units: z.enum(['dB', 'linear']).nullable(),
  }),
  plan: z.object({
    width: z.number().int(),
    height: z.number().int(),
    window: z.number().int(),
    margin: z.number().int(),
    core: z.number().int(),
    tileSize: z.number().int(),
    tileRows: z.number().int(),
    tileCols: z.number().int(),
  }),
  rows: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]),
  run: z.object({
    dir: z.string(),
    id: z.string(),
    model: z.string(),
    checkpoint: z.string(),
    threshold: z.number(),
    /** The Otsu baseline's scene-wide threshold in dB (otsu runs). */
    otsuThresholdDb: z.number().optional(),
  }),
  probabilities: z.boolean(),
  backend: z.string(),
  windows: z.number().int(),
  seconds: z.number(),
  /** Per tile row in order: byte ranges [offset, length] of the compressed mask (and probability) rows. */
  records: z.array(z.object({ mask: ByteRangeSchema, probabilities: ByteRangeSchema.nullable() })),
});
export type ScenePart = z.infer<typeof ScenePartSchema>;

export const sceneStem = (scenePath: string): string => basename(scenePath, extname(scenePath)).replace(/[^A-Za-z0-9._-]/g, '_');

export function partFileNames(dir: string, stem: string, rows: readonly [number, number]): { json: string; bin: string } {
  const base = join(dir, `${stem}.part-${String(rows[0]).padStart(5, '0')}-${String(rows[1]).padStart(5, '0')}`);
  return { json: `${base}.json`, bin: `${base}.bin` };
}

export const isPartManifest = (name: string): boolean => /\.part-\d+-\d+\.json$/.test(name);

export async function writePartManifest(path: string, part: ScenePart): Promise<void> {
  await writeJsonAtomic(path, part);
}

export const planOf = (part: ScenePart): ScenePlan => part.plan;

/**
 * After every part of a run or shard is written: the folder's completion manifest listing those parts
 * (JSON and data), which `merge` requires. `begin` before the first part removes an older manifest.
 */
export const beginScenePartFolder = (dir: string): Promise<void> => beginOutputs(dir);

export async function completeScenePartFolder(dir: string, manifests: readonly string[], details: Record<string, unknown>): Promise<void> {
  const names = manifests.flatMap((json) => [basename(json), basename(json).replace(/\.json$/, '.bin')]);
  await completeOutputs(dir, names, 'scene-parts', details);
}
