/**
 * Streaming Cloud-Optimized GeoTIFF writer. Rows arrive one tile row (tileSize rows × width) at a time,
 * top to bottom; each is encoded at once into a per-level temporary file and halved into the next
 * overview level, so memory holds about one tile row per level whatever the image size. `finish`
 * assembles the COG layout GDAL's validate_cloud_optimized_geotiff expects: header, GDAL's structural
 * metadata, every IFD (full resolution first, then overviews), then tile data from the smallest
 * overview to the full-resolution image, each level in row-major order. Written atomically.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { temporarySibling } from '../fs/atomic-write.ts';
import { GeoTiffWriteError } from './errors.ts';
import { imageIfdEntries, type Palette } from './image-ifd.ts';
import type { GeoTransform } from './raster-input.ts';
import { encodeTiles } from './tile-encoder.ts';
import { buildIfd, tiffHeader, type IfdEntry } from './tiff-ifd.ts';

export type CogDtype = 'uint8' | 'float32';
export type CogRows = Uint8Array | Float32Array;

export interface CogSpec {
  width: number;
  height: number;
  dtype: CogDtype;
  epsg: number;
  geoTransform: GeoTransform;
  nodata: number;
  descriptions?: readonly string[];
  metadata?: Readonly<Record<string, string>>;
  palette?: Palette;
  /** How overview pixels are made from 2×2 blocks: `nearest` (top-left, for classes) or `average` of valid values. */
  resampling: 'nearest' | 'average';
  /** Default 256. */
  tileSize?: number;
  /** zlib level; default 6. */
  compressionLevel?: number;
}

const HEADER_SIZE = 8;
const CLASSIC_TIFF_LIMIT = 2 ** 32;
const STRUCTURAL_METADATA =
  'LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=NONE\nBLOCK_TRAILER=NONE\nKNOWN_INCOMPATIBLE_EDITION=NO\n';

function structuralMetadataBlock(): Uint8Array {
  const head = `GDAL_STRUCTURAL_METADATA_SIZE=${String(STRUCTURAL_METADATA.length).padStart(6, '0')} bytes\n`;
  return new TextEncoder().encode(head + STRUCTURAL_METADATA);
}

/** Overview sizes as GDAL makes them: halved (rounded up) until the image fits in one tile. */
export function cogLevelSizes(width: number, height: number, tileSize: number): [number, number][] {
  const sizes: [number, number][] = [[width, height]];
  while (Math.max(...sizes[sizes.length - 1]) > tileSize) {
    const [w, h] = sizes[sizes.length - 1];
    sizes.push([Math.ceil(w / 2), Math.ceil(h / 2)]);
  }
  return sizes;
}

class Level {
  readonly buffer: CogRows;
  rowsFilled = 0;
  rowsDone = 0;
  position = 0;
  readonly offsets: number[] = [];
  readonly byteCounts: number[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
    readonly tempPath: string,
    readonly handle: FileHandle,
    spec: CogSpec,
    tileSize: number,
  ) {
    this.buffer = spec.dtype === 'uint8' ? new Uint8Array(tileSize * width) : new Float32Array(tileSize * width);
  }
}

export class StreamingCogWriter {
  private readonly tileSize: number;
  private readonly levels: Level[];
  private finished = false;

  private constructor(
    readonly path: string,
    private readonly spec: CogSpec,
    levels: Level[],
  ) {
    this.tileSize = spec.tileSize ?? 256;
    this.levels = levels;
  }

  static async create(path: string, spec: CogSpec): Promise<StreamingCogWriter> {
    const tileSize = spec.tileSize ?? 256;
    if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0)
      throw new GeoTiffWriteError(path, `tileSize must be a positive multiple of 16, got ${tileSize}`);
    if (!Number.isInteger(spec.width) || spec.width < 1 || !Number.isInteger(spec.height) || spec.height < 1) {
      throw new GeoTiffWriteError(path, `width and height must be positive integers, got ${spec.width}×${spec.height}`);
    }
    imageIfdEntries({ width: spec.width, height: spec.height, dtype: spec.dtype, samples: 1, tileSize, predictor: false, geo: spec }, path); // checks the CRS early
    const levels: Level[] = [];
    try {
      for (const [w, h] of cogLevelSizes(spec.width, spec.height, tileSize)) {
        const tempPath = temporarySibling(`${path}.level${levels.length}`);
        levels.push(new Level(w, h, tempPath, await open(tempPath, 'w+'), spec, tileSize));
      }
    } catch (error) {
      await Promise.all(
        levels.map((level) =>
          level.handle
            .close()
            .then(() => unlink(level.tempPath))
            .catch(() => undefined),
        ),
      );
      throw new GeoTiffWriteError(path, `cannot create temporary files: ${(error as Error).message}`);
    }
    return new StreamingCogWriter(path, spec, levels);
  }

  /** Appends the next `rows.length / width` full-resolution rows (at most one tile row at a time). */
  async writeRows(rows: CogRows): Promise<void> {
    const level = this.levels[0];
    const count = rows.length / level.width;
    if (!Number.isInteger(count) || count < 1)
      throw new GeoTiffWriteError(this.path, `${rows.length} samples are not whole rows of ${level.width}`);
    if (rows instanceof Float32Array !== (this.spec.dtype === 'float32'))
      throw new GeoTiffWriteError(this.path, `rows must be ${this.spec.dtype}`);
    await this.append(0, rows, count);
  }

  private async append(index: number, rows: CogRows, count: number): Promise<void> {
    const level = this.levels[index];
    if (level.rowsDone + level.rowsFilled + count > level.height) {
      throw new GeoTiffWriteError(
        this.path,
        `level ${index}: ${level.rowsDone + level.rowsFilled + count} rows written, the image has ${level.height}`,
      );
    }
    let at = 0;
    while (at < count) {
      const take = Math.min(count - at, this.tileSize - level.rowsFilled);
      level.buffer.set(rows.subarray(at * level.width, (at + take) * level.width), level.rowsFilled * level.width);
      level.rowsFilled += take;
      at += take;
      if (level.rowsFilled === this.tileSize || level.rowsDone + level.rowsFilled === level.height) await this.flush(index);
    }
  }

  private async flush(index: number): Promise<void> {
    const level = this.levels[index];
    const rows = level.rowsFilled;
    const strip = level.buffer.subarray(0, rows * level.width);
    const raster = { width: level.width, height: rows, dtype: this.spec.dtype, bands: [{ data: strip, offset: 0, stride: 1 }] };
    const predictor = this.spec.dtype === 'float32';
    for (const tile of encodeTiles(raster, {
      tileSize: this.tileSize,
      predictor,
      level: this.spec.compressionLevel ?? 6,
      pad: this.spec.nodata,
    })) {
      await level.handle.write(tile, 0, tile.length, level.position);
      level.offsets.push(level.position);
      level.byteCounts.push(tile.length);
      level.position += tile.length;
    }
    level.rowsDone += rows;
    level.rowsFilled = 0;
    if (index + 1 < this.levels.length) {
      const next = this.levels[index + 1];
      const halved = this.halve(strip, level.width, rows, next.width);
      await this.append(index + 1, halved, halved.length / next.width);
    }
  }

  private halve(strip: CogRows, width: number, rows: number, halfWidth: number): CogRows {
    const halfRows = Math.ceil(rows / 2);
    const nodata = this.spec.nodata;
    if (this.spec.resampling === 'nearest' || strip instanceof Uint8Array) {
      const out = strip instanceof Uint8Array ? new Uint8Array(halfRows * halfWidth) : new Float32Array(halfRows * halfWidth);
      for (let y = 0; y < halfRows; y++) for (let x = 0; x < halfWidth; x++) out[y * halfWidth + x] = strip[2 * y * width + 2 * x];
      return out;
    }
    const out = new Float32Array(halfRows * halfWidth);
    for (let y = 0; y < halfRows; y++) {
      for (let x = 0; x < halfWidth; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = 0; dy < 2 && 2 * y + dy < rows; dy++) {
          for (let dx = 0; dx < 2 && 2 * x + dx < width; dx++) {
            const v = strip[(2 * y + dy) * width + 2 * x + dx];
            if (!Number.isNaN(v) && v !== nodata) {
              sum += v;
              n++;
            }
          }
        }
        out[y * halfWidth + x] = n > 0 ? sum / n : nodata;
      }
    }
    return out;
  }

  /** Assembles the COG at `path` (atomically) once every row was written; removes the temporary files. */
  async finish(): Promise<void> {
    if (this.finished) throw new GeoTiffWriteError(this.path, 'finish called twice');
    const incomplete = this.levels[0].rowsDone !== this.levels[0].height;
    if (incomplete) throw new GeoTiffWriteError(this.path, `only ${this.levels[0].rowsDone} of ${this.levels[0].height} rows were written`);
    this.finished = true;
    const target = temporarySibling(this.path);
    let out: FileHandle | undefined;
    try {
      const builders = this.levels.map((level, index) =>
        imageIfdEntries(
          {
            width: level.width,
            height: level.height,
            dtype: this.spec.dtype,
            samples: 1,
            tileSize: this.tileSize,
            predictor: this.spec.dtype === 'float32',
            geo: index === 0 ? this.spec : undefined,
            overview: index > 0,
            palette: this.spec.palette,
          },
          this.path,
        ),
      );
      const ghost = structuralMetadataBlock();
      // IFD sizes do not depend on offset values: lay them out once with zeros, then with the real offsets.
      const ifdStarts: number[] = [];
      let at = HEADER_SIZE + ghost.length;
      at += at & 1;
      for (const [index, level] of this.levels.entries()) {
        ifdStarts.push(at);
        at += buildIfd(builders[index](level.offsets, level.byteCounts), at).length;
        at += at & 1;
      }
      // tile data: smallest overview first, full resolution last
      const dataStarts = new Array<number>(this.levels.length);
      for (let index = this.levels.length - 1; index >= 0; index--) {
        dataStarts[index] = at;
        at += this.levels[index].position;
      }
      if (at >= CLASSIC_TIFF_LIMIT)
        throw new GeoTiffWriteError(this.path, 'file would exceed 4 GiB, the classic TIFF limit (BigTIFF is not supported)');
      out = await open(target, 'w');
      await out.write(tiffHeader(ifdStarts[0]), 0, HEADER_SIZE, 0);
      await out.write(ghost, 0, ghost.length, HEADER_SIZE);
      for (const [index, level] of this.levels.entries()) {
        const entries: IfdEntry[] = builders[index](
          level.offsets.map((offset) => offset + dataStarts[index]),
          level.byteCounts,
        );
        const ifd = buildIfd(entries, ifdStarts[index]);
        // chain: next-IFD pointer sits right after the entries
        const next = index + 1 < this.levels.length ? ifdStarts[index + 1] : 0;
        new DataView(ifd.buffer).setUint32(2 + entries.length * 12, next, true);
        await out.write(ifd, 0, ifd.length, ifdStarts[index]);
      }
      const chunk = Buffer.alloc(1 << 20);
      for (const [index, level] of this.levels.entries()) {
        let copied = 0;
        while (copied < level.position) {
          const { bytesRead } = await level.handle.read(chunk, 0, Math.min(chunk.length, level.position - copied), copied);
          if (bytesRead === 0) throw new Error(`temporary file ${level.tempPath} is shorter than written`);
          await out.write(chunk, 0, bytesRead, dataStarts[index] + copied);
          copied += bytesRead;
        }
      }
      await out.sync();
      await out.close();
      out = undefined;
      await rename(target, this.path);
    } catch (error) {
      await out?.close().catch(() => undefined);
      await unlink(target).catch(() => undefined);
      if (error instanceof GeoTiffWriteError) throw error;
      throw new GeoTiffWriteError(this.path, `write failed: ${(error as Error).message}`);
    } finally {
      await this.removeTemporaries();
    }
  }

  /** Drops everything written so far (on error or cancel). */
  async abort(): Promise<void> {
    this.finished = true;
    await this.removeTemporaries();
  }

  private async removeTemporaries(): Promise<void> {
    await Promise.all(
      this.levels.map((level) =>
        level.handle
          .close()
          .catch(() => undefined)
          .then(() => unlink(level.tempPath).catch(() => undefined)),
      ),
    );
  }
}
