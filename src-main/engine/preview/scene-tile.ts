/**
 * `scene.tile`: one 256 px Web Mercator z/x/y tile of a scene mask COG as a PNG (water in the mask colour,
 * dry and nodata transparent), or of its probability COG (the probability ramp, nodata transparent). Reads
 * only the window under the tile, from the overview whose resolution matches the zoom, so a zoomed-out map
 * never reads the full-resolution image.
 */
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { ChipGrid, LonLat } from '../../api/preview.ts';
import { crsFromGeoKeys } from '../geo/crs.ts';
import { maskRgba, probabilityRgba } from './overlay-colours.ts';
import { encodePng } from './png.ts';
import { applyIndexMap, exactSourcePixel, sourceIndexMap, type MercatorGrid } from './warp.ts';
import { EARTH_RADIUS, latOfMercatorY, lonOfMercatorX } from './web-mercator.ts';

export interface SceneTileInput {
  file: string;
  z: number;
  x: number;
  y: number;
  size: number;
  /** `mask` (uint8 1/0/255, water coloured) or `probabilities` (float32, NaN nodata, the probability ramp). */
  layer?: 'mask' | 'probabilities';
}

export interface SceneTilePng {
  /** Base64 PNG; fully transparent outside the scene. */
  pngBase64: string;
  /** Which image was read: 0 full resolution, k the k-th overview. */
  level: number;
  /** The source window read, [x0, y0, x1, y1) of that level; null when the tile misses the scene. */
  window: [number, number, number, number] | null;
}

/** Web Mercator grid of tile z/x/y (`size` px a side). */
export function tileGrid(z: number, x: number, y: number, size: number): MercatorGrid {
  const world = 2 * Math.PI * EARTH_RADIUS;
  const span = world / 2 ** z;
  const left = -world / 2 + x * span;
  const top = world / 2 - y * span;
  const lonLat = (mx: number, my: number): LonLat => [lonOfMercatorX(mx), latOfMercatorY(my)];
  return {
    width: size,
    height: size,
    left,
    top,
    pixelX: span / size,
    pixelY: span / size,
    corners: [lonLat(left, top), lonLat(left + span, top), lonLat(left + span, top - span), lonLat(left, top - span)],
  };
}

/** Open COGs stay open between tiles (a map asks for dozens at once). */
const opened = new Map<string, Promise<{ tiff: GeoTIFF; images: GeoTIFFImage[]; grid: ChipGrid }>>();
const MAX_OPEN = 8;

async function openCog(file: string) {
  let entry = opened.get(file);
  if (!entry) {
    entry = (async () => {
      const tiff = await fromFile(file);
      const count = await tiff.getImageCount();
      const images: GeoTIFFImage[] = [];
      for (let i = 0; i < count; i++) images.push(await tiff.getImage(i));
      const full = images[0];
      const crs = crsFromGeoKeys(full.getGeoKeys() as never, file);
      const [x0, y0] = full.getOrigin();
      const [rx, ry] = full.getResolution();
      const grid: ChipGrid = {
        id: file,
        proj4: crs.proj4,
        geoTransform: [x0, rx, 0, y0, 0, ry],
        width: full.getWidth(),
        height: full.getHeight(),
      };
      return { tiff, images, grid };
    })();
    if (opened.size >= MAX_OPEN) opened.delete(opened.keys().next().value!);
    opened.set(file, entry);
    entry.catch(() => opened.delete(file));
  }
  return entry;
}

/** The grid of an overview: same extent, coarser pixels. */
function levelGrid(full: ChipGrid, image: GeoTIFFImage): ChipGrid {
  const width = image.getWidth();
  const height = image.getHeight();
  const gt = full.geoTransform;
  return { ...full, width, height, geoTransform: [gt[0], (gt[1] * full.width) / width, 0, gt[3], 0, (gt[5] * full.height) / height] };
}

function indexBounds(map: Int32Array, width: number): [number, number, number, number] | null {
  let c0 = Infinity,
    r0 = Infinity,
    c1 = -1,
    r1 = -1;
  for (const s of map) {
    if (s < 0) continue;
    const r = Math.floor(s / width);
    const c = s - r * width;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
  }
  return c1 < 0 ? null : [c0, r0, c1 + 1, r1 + 1];
}

export async function sceneTile(input: SceneTileInput): Promise<SceneTilePng> {
  const { images, grid } = await openCog(input.file);
  const target = tileGrid(input.z, input.x, input.y, input.size);
  const fullMap = sourceIndexMap(grid, target);
  const fullBounds = indexBounds(fullMap, grid.width);
  if (!fullBounds)
    return {
      pngBase64: encodePng(input.size, input.size, new Uint8Array(input.size * input.size * 4)).toString('base64'),
      level: 0,
      window: null,
    };
  // Full-resolution source pixels per tile pixel (at the tile's centre); the coarsest overview still ≥ 1 px per tile px.
  const half = input.size / 2;
  const [ax, ay] = exactSourcePixel(grid, target, half, half);
  const [bx, by] = exactSourcePixel(grid, target, half + 1, half);
  const span = Math.hypot(bx - ax, by - ay);
  let level = 0;
  for (let i = 1; i < images.length; i++) if (grid.width / images[i].getWidth() <= span) level = i;
  const source = level === 0 ? grid : levelGrid(grid, images[level]);
  const map = level === 0 ? fullMap : sourceIndexMap(source, target);
  const bounds = indexBounds(map, source.width) ?? [0, 0, 1, 1];
  const [c0, r0, c1, r1] = bounds;
  const [band] = (await images[level].readRasters({ window: bounds, samples: [0] })) as unknown as (Uint8Array | Float32Array)[];
  const windowWidth = c1 - c0;
  // Re-index from the level's full grid to the window read.
  const local = new Int32Array(map.length);
  for (let i = 0; i < map.length; i++) {
    const s = map[i];
    if (s < 0) local[i] = -1;
    else {
      const r = Math.floor(s / source.width);
      local[i] = (r - r0) * windowWidth + (s - r * source.width - c0);
    }
  }
  const colours =
    input.layer === 'probabilities'
      ? probabilityRgba(
          band as Float32Array,
          Uint8Array.from(band, (v) => (Number.isNaN(v) ? 0 : 1)),
        )
      : maskRgba(band as Uint8Array);
  const rgba = applyIndexMap(colours, local);
  return { pngBase64: encodePng(input.size, input.size, rgba).toString('base64'), level, window: [c0, r0, c1, r1] };
}
