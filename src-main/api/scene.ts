/**
 * Whole-scene prediction: request, progress and result types, and COG tile reads for the map.
 * Wired into `requestSchemas`/`ResponseMap` (contract.ts); the app's "Open image…" uses them:
 *   'scene.predict'  → { jobId }; progress arrives as `scene.progress` (JobProgress, phase `predict` then
 *                      `assemble`; message carries Mpx/s), the end as `scene.finished` with the summary.
 *   'scene.cancel'   → { cancelled } (the same cancel as training).
 *   'scene.tile'     → SceneTile: one web-mercator z/x/y PNG tile of a finished job's mask COG, served
 *                      from the COG's overviews, never the whole raster.
 */
import { z } from 'zod';
import { JobProgressSchema } from './jobs.ts';
import { VectorOptionsSchema, type VectorSummary } from './vector.ts';

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
  /** Acquisition date YYYY-MM-DD for Clay heads (their encoder takes time); default: the scene's metadata. */
  date: z.iso.date().optional(),
  shard: ShardSchema.optional(),
  /** Water polygons of the finished mask (not with `shard`: a sharded run vectorises at merge). */
  vector: VectorOptionsSchema.optional(),
});
export type ScenePredictInput = z.infer<typeof ScenePredictInputSchema>;

export const SceneSummarySchema = z.object({
  scene: z.string(),
  run: z.object({
    id: z.string(),
    model: z.string(),
    checkpoint: z.string(),
    threshold: z.number(),
    otsuThresholdDb: z.number().optional(),
  }),
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
    .object({
      features: z.number().int(),
      droppedFeatures: z.number().int(),
      polygonAreaKm2: z.number(),
      vertices: z.number().int(),
      minPixels: z.number(),
      simplify: z.number(),
    })
    .optional(),
});
export type SceneSummaryRecord = z.infer<typeof SceneSummarySchema>;

/** Over the API a client names a run by id and never says where to write: the host picks `<workspace>/scenes/<jobId>/`. */
export const SceneApiPredictSchema = z.object({
  runId: z.string().min(1).max(100),
  scene: z.string().min(1),
  bands: z.array(z.string().min(1)).min(1).optional(),
  s1Units: z.enum(S1_UNITS).optional(),
  workers: z.number().int().min(1).max(64).optional(),
  checkpoint: z.enum(['best', 'last']).default('best'),
  /** Also write the probability COG (`<stem>_prob.tif`), shown on the map as its own layer. */
  probabilities: z.boolean().default(false),
  /** Acquisition date YYYY-MM-DD for Clay heads (as `predict --date`); default: the scene's metadata. */
  date: z.iso.date().optional(),
});
export type SceneApiPredict = z.infer<typeof SceneApiPredictSchema>;

/** One 256 px Web Mercator tile of a finished scene job's mask, by job id (never by path). */
export const SceneTileRequestSchema = z.object({
  jobId: z.string().min(1).max(100),
  z: z.number().int().min(0).max(24),
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  /** The mask (water in the mask colour) or the probabilities (a colour ramp; the job must have written them). */
  layer: z.enum(['mask', 'probabilities']).default('mask'),
});
export type SceneTileRequest = z.infer<typeof SceneTileRequestSchema>;

/** A PNG: water in the mask colour, dry land and nodata transparent. */
export interface SceneTile {
  pngBase64: string;
  /** 0 = full resolution, k = the k-th overview of the COG. */
  level: number;
}

/** Water polygons of a finished scene job's mask, written beside it (`<workspace>/scenes/<jobId>/`). */
export const SceneVectorsRequestSchema = VectorOptionsSchema.extend({ jobId: z.string().min(1).max(100) });
export type SceneVectorsRequest = z.infer<typeof SceneVectorsRequestSchema>;

export const sceneRequestSchemas = {
  'scene.predict': SceneApiPredictSchema,
  'scene.vectors': SceneVectorsRequestSchema,
  'scene.cancel': z.object({ jobId: z.string().min(1) }),
  'scene.tile': SceneTileRequestSchema,
} as const;

export interface SceneResponseMap {
  'scene.predict': { jobId: string };
  'scene.cancel': { cancelled: boolean };
  'scene.tile': SceneTile;
  'scene.vectors': VectorSummary;
}

export const SCENE_PROGRESS_EVENT = 'scene.progress';
export const SceneProgressEventSchema = z.object({ jobId: z.string(), progress: JobProgressSchema });

export const SCENE_FINISHED_EVENT = 'scene.finished';
export const SceneFinishedEventSchema = z.object({
  jobId: z.string(),
  status: z.enum(['done', 'cancelled', 'failed']),
  error: z.string().nullable(),
  summary: SceneSummarySchema.nullable(),
  /** [west, south, east, north] lon/lat of the scene, for the map to fit. */
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
});
export type SceneFinishedEvent = z.infer<typeof SceneFinishedEventSchema>;
