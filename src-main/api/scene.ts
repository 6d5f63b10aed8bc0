/**
 * Whole-scene prediction: request, progress and result types, and COG tile reads for the map.
 * Hosts wire these into `requestSchemas`/`ResponseMap` (contract.ts) when the app gains "Open image…":
 *   'scene.predict'  → { jobId }; progress arrives as the usual job events (JobProgress, phase `predict`
 *                      then `assemble`; message carries Mpx/s), the end as { jobId, result: ScenePredictResult }.
 *   'scene.cancel'   → { cancelled } (the same cancel as training).
 *   'scene.tile'     → SceneTile: one tile of the mask/probability COG by web-mercator z/x/y or by pixel
 *                      window; served from the COG's overviews, never the whole raster.
 */
import { z } from 'zod';
import { VectorOptionsSchema } from './vector.ts';

export const S1_UNITS = ['dB', 'linear'] as const;

export const ShardSchema = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, { message: 'shard index must be < count (0-based: i/N with 0 ≤ i < N)' });

/** `i/N` (0-based, as Kubernetes' JOB_COMPLETION_INDEX). Throws on anything else. */
export function parseShard(text: string): { index: number; count: number } | string {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return text; // left to the schema, which reports it
  return { index: Number(match[1]), count: Number(match[2]) };
}

export const ScenePredictInputSchema = z.object({
  runDir: z.string().min(1),
  /** A GeoTIFF (bands by description, or in order by `bands`) or a JSON manifest { "bands": { "VV": "x_VV.tif", … } }. */
  scene: z.string().min(1),
  bands: z.array(z.string().min(1)).min(1).optional(),
  s1Units: z.enum(S1_UNITS).optional(),
  outDir: z.string().min(1),
  probabilities: z.boolean().default(false),
  workers: z.number().int().min(1).max(256).optional(),
  /** Model window edge, px (default: the run's training size); a multiple of 8, ≥ 16. */
  window: z.number().int().min(16).max(8192).multipleOf(8).optional(),
  /** Pixels neighbouring windows share (default window/4); only each window's centre is kept. */
  overlap: z.number().int().min(0).optional(),
  checkpoint: z.enum(['best', 'last']).default('best'),
  shard: ShardSchema.optional(),
  /** Water polygons of the finished mask (not with `shard`: a sharded run vectorises at merge). */
  vector: VectorOptionsSchema.optional(),
});
export type ScenePredictInput = z.infer<typeof ScenePredictInputSchema>;

export const SceneSummarySchema = z.object({
  scene: z.string(),
  run: z.object({ id: z.string(), model: z.string(), checkpoint: z.string(), threshold: z.number() }),
  waterAreaKm2: z.number(),
  validAreaKm2: z.number(),
  waterFraction: z.number(),
  waterPixels: z.number(),
  validPixels: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  epsg: z.number().int(),
  geoTransform: z.array(z.number()).length(6),
  tiles: z.number().int(),
  windows: z.number().int(),
  window: z.number().int(),
  overlap: z.number().int(),
  seconds: z.number(),
  backend: z.string(),
  workers: z.number().int(),
  shards: z.number().int(),
  files: z.object({
    mask: z.string(),
    probabilities: z.string().nullable(),
    summary: z.string(),
    vectors: z.object({ gpkg: z.string().optional(), geojson: z.string().optional() }).optional(),
  }),
  vector: z
    .object({ features: z.number().int(), droppedFeatures: z.number().int(), polygonAreaKm2: z.number(), vertices: z.number().int(), minPixels: z.number(), simplify: z.number() })
    .optional(),
});
export type SceneSummaryRecord = z.infer<typeof SceneSummarySchema>;

export const SceneTileRequestSchema = z.union([
  z.object({ file: z.string().min(1), z: z.number().int().min(0).max(24), x: z.number().int().min(0), y: z.number().int().min(0), size: z.number().int().min(16).max(1024).default(256) }),
  z.object({
    file: z.string().min(1),
    /** Pixel window [x0, y0, x1, y1) of the full-resolution image. */
    window: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
    /** Output size; smaller than the window reads from the overviews. */
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
  }),
]);
export type SceneTileRequest = z.infer<typeof SceneTileRequestSchema>;

/** Raw tile values (row-major, `width`×`height`): uint8 classes for masks, float32 for probabilities. */
export interface SceneTile {
  width: number;
  height: number;
  dtype: 'uint8' | 'float32';
  nodata: number | null;
  /** Base64 of the little-endian values (JSON-safe across IPC and WebSocket). */
  data: string;
}

export const sceneRequestSchemas = {
  'scene.predict': ScenePredictInputSchema,
  'scene.cancel': z.object({ jobId: z.string().min(1) }),
  'scene.tile': SceneTileRequestSchema,
} as const;

export interface SceneResponseMap {
  'scene.predict': { jobId: string };
  'scene.cancel': { cancelled: boolean };
  'scene.tile': SceneTile;
}
