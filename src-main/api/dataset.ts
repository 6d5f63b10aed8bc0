/**
 * Dataset contract: what the chip reader reports about a folder of chips, and the explicit manifest a
 * user can write for layouts the reader does not detect. Pure TS + zod (no Node, no DOM).
 */
import { z } from 'zod';

/** Canonical band names. Sentinel-2 bands are zero-padded (B1 → B01); radar and elevation upper case. */
export const CANONICAL_BANDS = [
  'B01',
  'B02',
  'B03',
  'B04',
  'B05',
  'B06',
  'B07',
  'B08',
  'B8A',
  'B09',
  'B10',
  'B11',
  'B12',
  'VV',
  'VH',
  'DEM',
] as const;
export const CanonicalBandSchema = z.enum(CANONICAL_BANDS);
export type CanonicalBand = z.infer<typeof CanonicalBandSchema>;

export const LAYOUTS = ['sen1floods11', 'c2smsfloods', 'datacube', 'manifest'] as const;
export const ChipLayoutSchema = z.enum(LAYOUTS);
export type ChipLayout = z.infer<typeof ChipLayoutSchema>;
/** A folder's layout: one of the chip layouts, `mixed` when several were found, `empty` when none. */
export const DatasetLayoutSchema = z.union([ChipLayoutSchema, z.literal('mixed'), z.literal('empty')]);
export type DatasetLayout = z.infer<typeof DatasetLayoutSchema>;

export const CHIP_ERROR_CODES = [
  'corrupt-tiff', // not a TIFF, truncated, undecodable
  'no-crs', // no GeoKeys / no CRS
  'unknown-epsg', // EPSG code absent from the offline definitions
  'no-georeference', // no geotransform (tiepoint/pixel scale/transformation)
  'size-mismatch', // label (or another image file) has a different width/height
  'grid-mismatch', // same size but different CRS/origin/pixel size
  'all-nan-band', // a band holds no valid pixel
  'wrong-band-count', // file band count differs from what the layout/manifest expects
  'unknown-band', // a band description we cannot map to a canonical name
  'missing-file', // a file the layout/manifest names does not exist
  'label-values', // the label holds values outside its declared encoding
  'bad-manifest', // manifest JSON unreadable or invalid
  'unsupported-dtype',
  'no-date', // Clay inputs need a date and the chip has none
  'unrecognised-file', // a file in the folder that matches no chip layout
  'not-regular-file', // a FIFO, device, socket or folder where a file was expected: never opened
  'unreadable-folder', // a subfolder the scan may not enter (permission denied): skipped
  'duplicate-chip-id', // two chips with one id (two folders, or a manifest listing it twice): the later one is refused
  'unnamed-bands', // bands with no description that the layout cannot name
] as const;
export const ChipErrorCodeSchema = z.enum(CHIP_ERROR_CODES);
export type ChipErrorCode = z.infer<typeof ChipErrorCodeSchema>;

export const ChipErrorSchema = z.object({
  file: z.string(),
  code: ChipErrorCodeSchema,
  message: z.string(),
  /** `warning`: the chip is still usable (e.g. one all-NaN band); `error`: the named file could not be used. */
  severity: z.enum(['error', 'warning']),
});
export type ChipError = z.infer<typeof ChipErrorSchema>;

export const DTYPES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'] as const;
export const DtypeSchema = z.enum(DTYPES);
export type Dtype = z.infer<typeof DtypeSchema>;

export const S1UnitsSchema = z.enum(['dB', 'linear']);
export type S1Units = z.infer<typeof S1UnitsSchema>;

const Bbox = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const BandInfoSchema = z.object({
  /** Canonical name, or null when the file does not say and the layout cannot tell. */
  name: CanonicalBandSchema.nullable(),
  /** The band description stored in the file (GDAL_METADATA), if any. */
  description: z.string().nullable(),
  file: z.string(),
  /** 0-based band index inside `file`. */
  index: z.number().int().nonnegative(),
  /** Per-band nodata (GDAL_NODATA; NaN is reported as the string "NaN" to survive JSON). */
  nodata: z.union([z.number(), z.literal('NaN')]).nullable(),
  dtype: DtypeSchema,
  /** True when every pixel is NaN or nodata. */
  empty: z.boolean(),
});
export type BandInfo = z.infer<typeof BandInfoSchema>;

export const LabelEncodingSchema = z.object({
  water: z.number(),
  notWater: z.number(),
  /** Values meaning "not valid" (cloud, no data). "NaN" for float labels. */
  notValid: z.array(z.union([z.number(), z.literal('NaN')])),
});
export type LabelEncoding = z.infer<typeof LabelEncodingSchema>;

export const LabelInfoSchema = z.object({
  file: z.string(),
  dtype: DtypeSchema,
  encoding: LabelEncodingSchema,
  totalPixels: z.number().int(),
  validPixels: z.number().int(),
  waterPixels: z.number().int(),
  /** water / valid pixels; null when no pixel is valid (undefined, not 0). */
  waterFraction: z.number().nullable(),
  /** valid / total pixels. */
  validFraction: z.number(),
});
export type LabelInfo = z.infer<typeof LabelInfoSchema>;

export const ChipInfoSchema = z.object({
  id: z.string(),
  layout: ChipLayoutSchema,
  /** Image files (not the label), absolute paths. */
  files: z.array(z.string()),
  labelFile: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  epsg: z.number().int().nullable(),
  /** proj4 definition of the chip CRS (from EPSG or from user-defined GeoKeys). */
  proj4: z.string().nullable(),
  /** GDAL-order geotransform [originX, pixelW, rowRot, originY, colRot, pixelH]. */
  geoTransform: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).nullable(),
  /** [minX, minY, maxX, maxY] in the chip CRS. */
  bbox: Bbox.nullable(),
  /** [minLon, minLat, maxLon, maxLat]. */
  bboxWgs84: Bbox.nullable(),
  /** [x, y] pixel size in CRS units, both positive. */
  pixelSize: z.tuple([z.number(), z.number()]).nullable(),
  date: z.string().nullable(),
  dateSource: z.enum(['manifest', 'file-metadata', 'sen1floods11-event-table']).nullable(),
  /** Canonical names of all bands found, in file order (unnamed bands are left out). */
  bands: z.array(CanonicalBandSchema),
  /** Bands that exist but hold no valid pixel. */
  emptyBands: z.array(CanonicalBandSchema),
  bandDetails: z.array(BandInfoSchema),
  /** Data type of the image bands (the first image file's). */
  dtype: DtypeSchema.nullable(),
  s1Units: S1UnitsSchema.nullable(),
  s1UnitsSource: z.enum(['detected', 'manifest', 'override']).nullable(),
  label: LabelInfoSchema.nullable(),
  errors: z.array(ChipErrorSchema),
});
export type ChipInfo = z.infer<typeof ChipInfoSchema>;

export const DatasetSummarySchema = z.object({
  chips: z.number().int(),
  readableChips: z.number().int(),
  layouts: z.array(ChipLayoutSchema),
  /** Bands with data in at least one chip. */
  bandsPresent: z.array(CanonicalBandSchema),
  /** Clay v0 bands no chip has data for. */
  bandsMissing: z.array(CanonicalBandSchema),
  crs: z.array(z.object({ epsg: z.number().int().nullable(), chips: z.number().int() })),
  /** Over all labelled chips: water / valid and valid / total pixels. */
  labelBalance: z.object({ labelledChips: z.number().int(), waterFraction: z.number(), validFraction: z.number() }),
  problems: z.object({ errors: z.number().int(), warnings: z.number().int() }),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

export const DatasetInspectionSchema = z.object({
  root: z.string(),
  layout: DatasetLayoutSchema,
  chips: z.array(ChipInfoSchema),
  /** Problems not tied to a chip (e.g. an invalid manifest, unmatched files). */
  errors: z.array(ChipErrorSchema),
  summary: DatasetSummarySchema,
});
export type DatasetInspection = z.infer<typeof DatasetInspectionSchema>;

/** `floodlens-manifest.json`: describes chips of any layout. Paths are relative to the manifest. */
export const MANIFEST_FILE_NAME = 'floodlens-manifest.json';

export const ManifestSchema = z.object({
  version: z.literal(1).default(1),
  chips: z
    .array(
      z.object({
        id: z.string().min(1),
        files: z
          .array(
            z.object({
              path: z.string().min(1),
              /** One entry per band of the file, in file order; null = band not used. */
              bands: z.array(CanonicalBandSchema.nullable()).min(1),
            }),
          )
          .min(1),
        label: z
          .object({
            path: z.string().min(1),
            water: z.number().default(1),
            notWater: z.number().default(0),
            notValid: z.array(z.union([z.number(), z.literal('NaN')])).default([]),
          })
          .nullable()
          .default(null),
        s1Units: S1UnitsSchema.optional(),
        date: z.iso.date().nullable().default(null),
      }),
    )
    .min(1),
});
export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;
