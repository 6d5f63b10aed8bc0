/**
 * A scene: one multi-band GeoTIFF (bands named by their descriptions, or in order by `--bands`), or a
 * JSON manifest of per-band files `{ "bands": { "VV": "x_VV.tif", "VH": "x_VH.tif" } }`. Pixels are read
 * window by window through geotiff.js (`readRasters({ window })`): never the whole image.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { CanonicalBand, S1Units } from '../../api/dataset.ts';
import { canonicalBandName, isS1Band } from '../dataset/bands.ts';
import { detectS1Units } from '../dataset/units.ts';
import { dateFromMetadata } from '../dataset/dates.ts';
import { readRasterHeader, type RasterHeader } from '../geo/geotiff-file.ts';
import type { CrsInfo } from '../geo/crs.ts';
import type { GeoTransform } from '../geo/bbox.ts';
import { checkTiffStructure } from '../geo/tiff-preflight.ts';

/** A scene that cannot be predicted; names the file and the problem. */
export class SceneInputError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'SceneInputError';
  }
}

export interface SceneBand {
  name: CanonicalBand;
  file: string;
  /** 0-based sample index in `file`. */
  index: number;
  nodata: number | null;
}

export interface SceneInfo {
  /** What the user named: the GeoTIFF or the manifest. */
  path: string;
  width: number;
  height: number;
  crs: CrsInfo & { epsg: number };
  geoTransform: GeoTransform;
  bands: SceneBand[];
  s1Units: S1Units | null;
  s1UnitsSource: 'detected' | 'override' | null;
  /** Acquisition date (YYYY-MM-DD) for encoders that take time: the option, the manifest's `date`, or the file's metadata. */
  date: string | null;
}

export interface OpenSceneOptions {
  /** Band names in file order, for a multi-band file without (or overriding) descriptions. */
  bands?: readonly string[];
  s1Units?: S1Units;
  /** Acquisition date, YYYY-MM-DD (overrides what the files say). */
  date?: string;
}

interface Manifest {
  bands: Record<string, string>;
  date?: string;
}

async function readManifest(path: string): Promise<{ bands: [string, string][]; date: string | null }> {
  let parsed: Manifest;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Manifest;
  } catch (error) {
    throw new SceneInputError(path, `not a readable scene manifest (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed.bands !== 'object' || parsed.bands === null || Object.keys(parsed.bands).length === 0) {
    throw new SceneInputError(path, 'a scene manifest needs "bands": { "<band>": "<file.tif>", … }');
  }
  return {
    bands: Object.entries(parsed.bands).map(([band, file]) => [band, resolve(dirname(path), String(file))]),
    date: typeof parsed.date === 'string' ? dateFromMetadata({ date: parsed.date }) : null,
  };
}

function sameGrid(a: RasterHeader, b: RasterHeader): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.crs?.proj4 === b.crs?.proj4 &&
    !!a.geoTransform &&
    !!b.geoTransform &&
    a.geoTransform.every((v, i) => close(v, b.geoTransform![i]))
  );
}

function checkPlaceable(header: RasterHeader): { crs: CrsInfo & { epsg: number }; geoTransform: GeoTransform } {
  if (!header.geoTransform)
    throw new SceneInputError(header.file, 'has no georeference (no geotransform): a flood map needs to know where the pixels are');
  if (!header.crs)
    throw new SceneInputError(header.file, `has no usable CRS${header.geoErrors[0] ? ` (${header.geoErrors[0].message})` : ''}`);
  if (header.crs.epsg === null)
    throw new SceneInputError(
      header.file,
      'has a user-defined CRS without an EPSG code; reproject it to an EPSG CRS (gdalwarp -t_srs EPSG:…)',
    );
  const [, px, rx, , ry, py] = header.geoTransform;
  if (px * py - rx * ry === 0) throw new SceneInputError(header.file, 'has a singular geotransform (zero pixel size)');
  if ((rx !== 0 || ry !== 0) && header.crs.isGeographic) {
    throw new SceneInputError(
      header.file,
      'has a rotated or sheared geographic grid: pixel areas are undefined; warp it north-up first (gdalwarp)',
    );
  }
  return { crs: header.crs as CrsInfo & { epsg: number }, geoTransform: header.geoTransform };
}

/** Reads headers only: band names, grid, CRS and S1 units (from one window near the centre). */
export async function openSceneInfo(path: string, options: OpenSceneOptions = {}): Promise<SceneInfo> {
  const absolute = resolve(path);
  const isManifest = /\.json$/i.test(absolute);
  let bands: SceneBand[];
  let reference: RasterHeader;
  let manifestDate: string | null = null;
  const header = async (file: string) => {
    try {
      return await readRasterHeader(file);
    } catch (error) {
      throw new SceneInputError(file, (error as Error).message.replace(`${file}: `, ''));
    }
  };
  if (isManifest) {
    if (options.bands) throw new SceneInputError(absolute, '--bands names the bands of one multi-band file; a manifest names them itself');
    const manifest = await readManifest(absolute);
    const entries = manifest.bands;
    manifestDate = manifest.date;
    bands = [];
    let first: RasterHeader | null = null;
    for (const [raw, file] of entries) {
      const name = canonicalBandName(raw);
      if (!name) throw new SceneInputError(absolute, `band "${raw}" is not a band Floodlens knows (VV, VH, B02…B12, DEM)`);
      const h = await header(file);
      if (first && !sameGrid(first, h))
        throw new SceneInputError(file, `is not on the grid of ${first.file} (size, CRS and geotransform must match)`);
      first ??= h;
      bands.push({ name, file, index: 0, nodata: h.nodata });
    }
    reference = first!;
  } else {
    reference = await header(absolute);
    checkPlaceable(reference); // a file that cannot be placed is refused for that, before its band names
    const names = options.bands ?? reference.descriptions.map((d) => d ?? '');
    if (options.bands && options.bands.length !== reference.bandCount) {
      throw new SceneInputError(absolute, `--bands names ${options.bands.length} band(s) but the file has ${reference.bandCount}`);
    }
    bands = [];
    names.forEach((raw, index) => {
      const name = canonicalBandName(raw);
      if (name && !bands.some((b) => b.name === name)) bands.push({ name, file: absolute, index, nodata: reference.nodata });
    });
    if (bands.length === 0) {
      throw new SceneInputError(
        absolute,
        `none of its ${reference.bandCount} band(s) is named (no band descriptions): pass --bands, e.g. --bands VV,VH`,
      );
    }
  }
  const { crs, geoTransform } = checkPlaceable(reference);
  const info: SceneInfo = {
    path: absolute,
    width: reference.width,
    height: reference.height,
    crs,
    geoTransform,
    bands,
    s1Units: null,
    s1UnitsSource: null,
    date: options.date ? dateFromMetadata({ date: options.date }) : (manifestDate ?? dateFromMetadata(reference.metadata)),
  };
  if (options.date && !info.date) throw new SceneInputError(absolute, `date must be YYYY-MM-DD, got "${options.date}"`);
  if (options.s1Units) {
    info.s1Units = options.s1Units;
    info.s1UnitsSource = 'override';
  } else if (bands.some((b) => isS1Band(b.name))) {
    info.s1Units = await detectSceneS1Units(info);
    info.s1UnitsSource = info.s1Units ? 'detected' : null;
  }
  return info;
}

async function detectSceneS1Units(info: SceneInfo): Promise<S1Units | null> {
  const size = 512;
  const x0 = Math.max(0, Math.floor((info.width - size) / 2));
  const y0 = Math.max(0, Math.floor((info.height - size) / 2));
  const reader = await SceneReader.open(info);
  try {
    const band = info.bands.find((b) => isS1Band(b.name))!;
    const values = await reader.readBand(band, [x0, y0, Math.min(info.width, x0 + size), Math.min(info.height, y0 + size)]);
    return detectS1Units(values, band.nodata);
  } finally {
    await reader.close();
  }
}

/** numpy 'reflect' padding: index mirrored at the edges without repeating the edge pixel. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

/** Rows × columns of a scene, [bands, rows, width]: columns x … x+width in scene coordinates, reflect-padded past the edges. */
export interface SceneStrip {
  pixels: Float32Array;
  present: boolean[];
  rows: number;
  width: number;
  /** Scene column of the first column (negative when padded on the left). */
  x: number;
  /** The scene's width (columns beyond the strip are found by reflection). */
  sceneWidth: number;
}

/**
 * The `size`×`size` window of a strip (of `size` rows) starting at scene column `x`, columns
 * reflect-padded beyond the scene's left and right edges: [bands, size, size] (read only: it may be the strip's own).
 */
export function windowOfStrip(strip: SceneStrip, x: number, size: number): { pixels: Float32Array; present: boolean[] } {
  const { width, rows } = strip;
  const local = (column: number) => {
    const inside = column - strip.x;
    const found = inside >= 0 && inside < width ? inside : reflectIndex(column, strip.sceneWidth) - strip.x;
    if (found < 0 || found >= width) throw new RangeError(`scene column ${column} is outside the strip's ${strip.x}…${strip.x + width}`);
    return found;
  };
  const contiguous = x >= strip.x && x + size <= strip.x + width;
  // A block of exactly this window (Clay v0's 13 × 1536² floats) is handed over as it is, not copied.
  if (contiguous && x === strip.x && width === size && rows === size) return { pixels: strip.pixels, present: strip.present };
  const cols = contiguous ? [] : Array.from({ length: size }, (_, i) => local(x + i));
  const plane = size * size;
  const bands = strip.present.length;
  const pixels = new Float32Array(bands * plane);
  for (let c = 0; c < bands; c++) {
    for (let r = 0; r < size; r++) {
      const source = c * rows * width + r * width;
      const target = c * plane + r * size;
      if (contiguous) pixels.set(strip.pixels.subarray(source + x - strip.x, source + x - strip.x + size), target);
      else for (let i = 0; i < size; i++) pixels[target + i] = strip.pixels[source + cols[i]];
    }
  }
  return { pixels, present: strip.present };
}

/** Keeps each band file open for the life of the reader (a worker reads many windows). */
export class SceneReader {
  private constructor(
    readonly info: SceneInfo,
    private readonly images: Map<string, { tiff: GeoTIFF; image: GeoTIFFImage }>,
  ) {}

  static async open(info: SceneInfo): Promise<SceneReader> {
    const images = new Map<string, { tiff: GeoTIFF; image: GeoTIFFImage }>();
    for (const file of new Set(info.bands.map((b) => b.file))) {
      try {
        await checkTiffStructure(file);
        const tiff = await fromFile(file);
        images.set(file, { tiff, image: await tiff.getImage() });
      } catch (error) {
        for (const { tiff } of images.values()) await tiff.close();
        throw new SceneInputError(file, `cannot be read (${(error as Error).message})`);
      }
    }
    return new SceneReader(info, images);
  }

  /** One band over [x0, y0, x1) × [y0, y1) (inside the scene), as float32 with NaN where nodata. */
  async readBand(band: SceneBand, window: [number, number, number, number]): Promise<Float32Array> {
    const { image } = this.images.get(band.file)!;
    let raster;
    try {
      raster = (await image.readRasters({ samples: [band.index], window, interleave: false })) as unknown as ArrayLike<number>[];
    } catch (error) {
      throw new SceneInputError(band.file, `window ${window.join(',')} cannot be decoded (${(error as Error).message})`);
    }
    const source = raster[0];
    const out = new Float32Array(source.length);
    const nodata = band.nodata;
    for (let i = 0; i < out.length; i++) {
      const v = source[i];
      out[i] = v === nodata || (nodata !== null && Number.isNaN(nodata) && Number.isNaN(v)) ? Number.NaN : v;
    }
    return out;
  }

  /**
   * Rows y … y+rows of the whole scene width in `bands` order ([bands, rows, width], NaN where nodata or
   * the scene lacks the band), rows reflect-padded beyond the top and bottom edges.
   */
  async readStrip(bands: readonly CanonicalBand[], y: number, rows: number): Promise<SceneStrip> {
    return this.readBlock(bands, 0, y, this.info.width, rows);
  }

  /**
   * Columns x … x+cols of rows y … y+rows in `bands` order ([bands, rows, cols], NaN where nodata or the scene
   * lacks the band), both reflect-padded beyond the scene's edges: a window's pixels without the scene's width.
   */
  async readBlock(bands: readonly CanonicalBand[], x: number, y: number, cols: number, rows: number): Promise<SceneStrip> {
    const { width, height } = this.info;
    const rowIndex = Array.from({ length: rows }, (_, i) => reflectIndex(y + i, height));
    const colIndex = Array.from({ length: cols }, (_, i) => reflectIndex(x + i, width));
    const [ry0, ry1] = [Math.min(...rowIndex), Math.max(...rowIndex) + 1];
    const [rx0, rx1] = [Math.min(...colIndex), Math.max(...colIndex) + 1];
    const readWidth = rx1 - rx0;
    // Columns straight from the read when the block lies inside the scene; else one by one (reflected).
    const contiguous = x === rx0 && cols === readWidth;
    const plane = rows * cols;
    const pixels = new Float32Array(bands.length * plane).fill(Number.NaN);
    const present = bands.map(() => false);
    for (const [c, name] of bands.entries()) {
      const band = this.info.bands.find((b) => b.name === name);
      if (!band) continue;
      present[c] = true;
      const values = await this.readBand(band, [rx0, ry0, rx1, ry1]);
      for (let r = 0; r < rows; r++) {
        const from = (rowIndex[r] - ry0) * readWidth;
        const to = c * plane + r * cols;
        if (contiguous) pixels.set(values.subarray(from, from + cols), to);
        else for (let i = 0; i < cols; i++) pixels[to + i] = values[from + colIndex[i] - rx0];
      }
    }
    return { pixels, present, rows, width: cols, x, sceneWidth: width };
  }

  async close(): Promise<void> {
    for (const { tiff } of this.images.values()) await tiff.close();
    this.images.clear();
  }
}
