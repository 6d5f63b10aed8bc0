/** Water polygons from a mask: formats, options and the summary a vectorise/predict run reports. */
import { z } from 'zod';

export const VECTOR_FORMATS = ['gpkg', 'geojson'] as const;
export const VectorFormatSchema = z.enum(VECTOR_FORMATS);
export type VectorFormat = z.infer<typeof VectorFormatSchema>;

export const VectorOptionsSchema = z.object({
  formats: z.array(VectorFormatSchema).min(1),
  /** Minimum mapping unit: polygons with fewer water pixels are dropped (holes are kept whatever their size). */
  minPixels: z.number().int().min(1).max(1e9).default(1),
  /** Douglas–Peucker tolerance in pixels (0 = exact pixel outlines). */
  simplify: z.number().min(0).max(1000).default(0),
});
export type VectorOptions = z.infer<typeof VectorOptionsSchema>;

export const VectorSummarySchema = z.object({
  files: z.object({ gpkg: z.string().optional(), geojson: z.string().optional() }),
  /** Features written (after the minimum mapping unit). */
  features: z.number().int().min(0),
  /** Water components dropped by the minimum mapping unit. */
  droppedFeatures: z.number().int().min(0),
  /** True area of the written features' pixels, km². */
  featureAreaKm2: z.number().min(0),
  /** True area of all water pixels of the mask, km². */
  maskWaterAreaKm2: z.number().min(0),
  vertices: z.number().int().min(0),
});
export type VectorSummary = z.infer<typeof VectorSummarySchema>;
