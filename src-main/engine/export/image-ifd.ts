/** The TIFF tags of one tiled, DEFLATE-compressed image: shared by the GeoTIFF writer and the COG writer. */
import { DTYPE_INFO, type GeoTransform, type RasterDtype } from './raster-input.ts';
import { crsKindOf, geoKeyDirectory, georefTags } from './georeference.ts';
import { gdalMetadataXml, gdalNodataText } from './gdal-tags.ts';
import { TIFF_TYPE, type IfdEntry } from './tiff-ifd.ts';

export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  SamplesPerPixel: 277,
  PlanarConfiguration: 284,
  Predictor: 317,
  ColorMap: 320,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;
const COMPRESSION_DEFLATE = 8;
const PHOTOMETRIC_MIN_IS_BLACK = 1;
const PHOTOMETRIC_PALETTE = 3;
const SUBFILE_REDUCED_RESOLUTION = 1;

/** An RGB colour per uint8 value (0..255 each channel); values not listed are black. */
export type Palette = ReadonlyMap<number, readonly [number, number, number]>;

export interface ImageIfdSpec {
  width: number;
  height: number;
  dtype: RasterDtype;
  samples: number;
  tileSize: number;
  predictor: boolean;
  /** Georeference and GDAL tags: the full-resolution image only (overviews inherit them in readers). */
  geo?: {
    epsg: number;
    geoTransform: GeoTransform;
    nodata?: number;
    descriptions?: readonly string[];
    metadata?: Readonly<Record<string, string>>;
  };
  /** A reduced-resolution image (COG overview): NewSubfileType = 1. */
  overview?: boolean;
  /** uint8, one sample: Photometric = Palette with this colour map. */
  palette?: Palette;
}

function colorMap(palette: Palette): number[] {
  const values = new Array<number>(3 * 256).fill(0);
  for (const [value, rgb] of palette) rgb.forEach((channel, c) => (values[c * 256 + value] = channel * 257));
  return values;
}

/** Checks what needs the CRS database once, and returns the entries builder for given tile offsets. */
export function imageIfdEntries(
  spec: ImageIfdSpec,
  target: string,
): (offsets: readonly number[], byteCounts: readonly number[]) => IfdEntry[] {
  const info = DTYPE_INFO[spec.dtype];
  const geo = spec.geo;
  const kind = geo ? crsKindOf(geo.epsg, target) : null;
  const georef = geo ? georefTags(geo.geoTransform) : null;
  const metadataXml = geo ? gdalMetadataXml(geo.descriptions, geo.metadata) : undefined;
  const samples = spec.samples;
  return (offsets, byteCounts) => {
    const entries: IfdEntry[] = [
      { tag: TAG.ImageWidth, type: TIFF_TYPE.LONG, values: [spec.width] },
      { tag: TAG.ImageLength, type: TIFF_TYPE.LONG, values: [spec.height] },
      { tag: TAG.BitsPerSample, type: TIFF_TYPE.SHORT, values: Array(samples).fill(info.bits) },
      { tag: TAG.Compression, type: TIFF_TYPE.SHORT, values: [COMPRESSION_DEFLATE] },
      { tag: TAG.Photometric, type: TIFF_TYPE.SHORT, values: [spec.palette ? PHOTOMETRIC_PALETTE : PHOTOMETRIC_MIN_IS_BLACK] },
      { tag: TAG.SamplesPerPixel, type: TIFF_TYPE.SHORT, values: [samples] },
      // band-separate planes: each tile holds one band, which is what band arrays and the predictor want
      { tag: TAG.PlanarConfiguration, type: TIFF_TYPE.SHORT, values: [samples === 1 ? 1 : 2] },
      { tag: TAG.TileWidth, type: TIFF_TYPE.LONG, values: [spec.tileSize] },
      { tag: TAG.TileLength, type: TIFF_TYPE.LONG, values: [spec.tileSize] },
      { tag: TAG.TileOffsets, type: TIFF_TYPE.LONG, values: offsets },
      { tag: TAG.TileByteCounts, type: TIFF_TYPE.LONG, values: byteCounts },
      { tag: TAG.SampleFormat, type: TIFF_TYPE.SHORT, values: Array(samples).fill(info.sampleFormat) },
    ];
    if (spec.overview) entries.push({ tag: TAG.NewSubfileType, type: TIFF_TYPE.LONG, values: [SUBFILE_REDUCED_RESOLUTION] });
    if (spec.palette) entries.push({ tag: TAG.ColorMap, type: TIFF_TYPE.SHORT, values: colorMap(spec.palette) });
    if (spec.predictor) entries.push({ tag: TAG.Predictor, type: TIFF_TYPE.SHORT, values: [spec.dtype === 'float32' ? 3 : 2] });
    // MinIsBlack has one colour channel; libtiff warns unless the others are declared extra samples
    if (samples > 1) entries.push({ tag: TAG.ExtraSamples, type: TIFF_TYPE.SHORT, values: Array(samples - 1).fill(0) });
    if (geo && kind && georef) {
      entries.push({ tag: TAG.GeoKeyDirectory, type: TIFF_TYPE.SHORT, values: geoKeyDirectory(geo.epsg, kind) });
      if (georef.kind === 'scale-tiepoint') {
        entries.push({ tag: TAG.ModelPixelScale, type: TIFF_TYPE.DOUBLE, values: georef.pixelScale });
        entries.push({ tag: TAG.ModelTiepoint, type: TIFF_TYPE.DOUBLE, values: georef.tiepoint });
      } else {
        entries.push({ tag: TAG.ModelTransformation, type: TIFF_TYPE.DOUBLE, values: georef.transformation });
      }
      if (metadataXml !== undefined) entries.push({ tag: TAG.GdalMetadata, type: TIFF_TYPE.ASCII, values: metadataXml });
      if (geo.nodata !== undefined)
        entries.push({ tag: TAG.GdalNodata, type: TIFF_TYPE.ASCII, values: gdalNodataText(geo.nodata, spec.dtype) });
    }
    return entries;
  };
}
