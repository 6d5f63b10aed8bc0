/**
 * GeoJSON (RFC 7946) writer: WGS84 lon/lat (reprojected with geo/crs's proj4 setup), right-hand rule (shells
 * counter-clockwise, holes clockwise), 7 decimals (~1 cm). Streamed to a temporary sibling, fsynced and renamed on
 * close, so readers see the old file or the whole new one. Rings crossing the antimeridian are not split.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { asFileWriteError, temporarySibling } from '../fs/atomic-write.ts';
import { toWgs84 } from '../geo/crs.ts';
import type { RasterGrid } from '../geo/pixel-area.ts';
import { orient, ringToCrs, type WaterFeature } from './features.ts';

const FLUSH_BYTES = 1 << 20;
const round7 = (value: number) => Math.round(value * 1e7) / 1e7;

export class GeoJsonWriter {
  private buffer: string[] = [];
  private buffered = 0;
  private count = 0;
  private readonly geographic: boolean;

  private constructor(
    private readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly grid: RasterGrid,
  ) {
    this.geographic = grid.crs.epsg === 4326;
  }

  static async create(path: string, grid: RasterGrid, name: string): Promise<GeoJsonWriter> {
    const temp = temporarySibling(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(temp, 'w');
      const writer = new GeoJsonWriter(path, temp, handle, grid);
      writer.push(`{"type":"FeatureCollection","name":${JSON.stringify(name)},"features":[\n`);
      return writer;
    } catch (error) {
      throw asFileWriteError(path, error);
    }
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    try {
      await this.handle.write(text);
    } catch (error) {
      throw asFileWriteError(this.path, error);
    }
  }

  private ringToWgs84(ring: number[], counterClockwise: boolean): number[][] {
    const crs = ringToCrs(ring, this.grid.geoTransform);
    let lonLat = crs;
    if (!this.geographic) {
      const points: [number, number][] = [];
      for (let i = 0; i < crs.length; i += 2) points.push([crs[i], crs[i + 1]]);
      lonLat = Float64Array.from(toWgs84(this.grid.crs.proj4, points).flat());
    }
    orient(lonLat, counterClockwise);
    const coordinates: number[][] = [];
    for (let i = 0; i < lonLat.length; i += 2) coordinates.push([round7(lonLat[i]), round7(lonLat[i + 1])]);
    return coordinates;
  }

  async add(feature: WaterFeature): Promise<void> {
    const polygons = feature.polygons.map((polygon) => [
      this.ringToWgs84(polygon.shell, true),
      ...polygon.holes.map((hole) => this.ringToWgs84(hole, false)),
    ]);
    const geometry = polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
    const properties = { id: feature.id, pixels: feature.pixels, area_km2: feature.areaM2 / 1e6 };
    this.push(`${this.count > 0 ? ',\n' : ''}${JSON.stringify({ type: 'Feature', id: feature.id, properties, geometry })}`);
    this.count++;
    if (this.buffered >= FLUSH_BYTES) await this.flush();
  }

  async close(): Promise<void> {
    try {
      this.push('\n]}\n');
      await this.flush();
      await this.handle.sync();
      await this.handle.close();
      await rename(this.temp, this.path);
    } catch (error) {
      await this.handle.close().catch(() => undefined);
      await unlink(this.temp).catch(() => undefined);
      throw asFileWriteError(this.path, error);
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}
