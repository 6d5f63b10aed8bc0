import { deflateSync } from 'node:zlib';
import { endianness } from 'node:os';
import { DTYPE_INFO, type BandView, type CheckedRaster, type RasterBandArray } from './raster-input.ts';

export interface TileGrid {
  tileSize: number;
  across: number;
  down: number;
}

export function tileGrid(width: number, height: number, tileSize: number): TileGrid {
  return { tileSize, across: Math.ceil(width / tileSize), down: Math.ceil(height / tileSize) };
}

// Tile bytes are the host's typed-array bytes; the file is little-endian ("II"), so the host must be too.
if (endianness() !== 'LE') throw new Error('geotiff-writer: big-endian hosts are not supported');

/**
 * Copies one tile of one band into `tile` (tileSize², row-major). Pixels beyond the raster edge
 * keep the pad value: the TIFF spec wants every tile full-size.
 */
export function extractTile(
  raster: CheckedRaster,
  band: BandView,
  tileX: number,
  tileY: number,
  tileSize: number,
  pad: number,
  tile: RasterBandArray,
): void {
  tile.fill(pad);
  const x0 = tileX * tileSize;
  const y0 = tileY * tileSize;
  const cols = Math.min(tileSize, raster.width - x0);
  const rows = Math.min(tileSize, raster.height - y0);
  const { data, offset, stride } = band;
  for (let r = 0; r < rows; r++) {
    const src = (y0 + r) * raster.width + x0;
    const dst = r * tileSize;
    if (stride === 1) {
      tile.set(data.subarray(src, src + cols), dst);
    } else {
      for (let c = 0, s = src * stride + offset; c < cols; c++, s += stride) tile[dst + c] = data[s];
    }
  }
}

/** TIFF Predictor=2: each sample minus its left neighbour, per row, modulo the integer type's range. */
export function applyHorizontalPredictor(tile: Uint8Array | Int16Array | Uint16Array, tileSize: number): void {
  for (let r = 0; r < tileSize; r++) {
    const start = r * tileSize;
    for (let i = start + tileSize - 1; i > start; i--) tile[i] = tile[i] - tile[i - 1];
  }
}

/**
 * TIFF Predictor=3 (floating point, as libtiff's fpDiff): per row, the bytes of the samples are regrouped
 * into planes, most significant byte first, then each byte minus its left neighbour.
 */
export function applyFloatPredictor(tile: Float32Array, tileSize: number, scratch: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
  const out = new Uint8Array(tile.byteLength);
  const rowBytes = tileSize * 4;
  for (let r = 0; r < tileSize; r++) {
    const base = r * rowBytes;
    for (let i = 0; i < tileSize; i++) {
      const s = base + i * 4;
      // little-endian host: byte 3 is the most significant, so it goes to plane 0
      scratch[i] = bytes[s + 3];
      scratch[tileSize + i] = bytes[s + 2];
      scratch[2 * tileSize + i] = bytes[s + 1];
      scratch[3 * tileSize + i] = bytes[s];
    }
    out[base] = scratch[0];
    for (let i = 1; i < rowBytes; i++) out[base + i] = (scratch[i] - scratch[i - 1]) & 0xff;
  }
  return out;
}

export interface TileEncoderOptions {
  tileSize: number;
  predictor: boolean;
  level: number;
  pad: number;
}

/** Yields the zlib-compressed tiles in TileOffsets order: band by band, then row-major within a band. */
export function* encodeTiles(raster: CheckedRaster, options: TileEncoderOptions): Generator<Uint8Array> {
  const { tileSize, predictor, level, pad } = options;
  const grid = tileGrid(raster.width, raster.height, tileSize);
  const tile = new DTYPE_INFO[raster.dtype].ctor(tileSize * tileSize);
  const scratch = new Uint8Array(tileSize * 4);
  for (const band of raster.bands) {
    for (let ty = 0; ty < grid.down; ty++) {
      for (let tx = 0; tx < grid.across; tx++) {
        extractTile(raster, band, tx, ty, tileSize, pad, tile);
        let bytes: Uint8Array;
        if (!predictor) {
          bytes = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
        } else if (tile instanceof Float32Array) {
          bytes = applyFloatPredictor(tile, tileSize, scratch);
        } else {
          applyHorizontalPredictor(tile, tileSize);
          bytes = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
        }
        const compressed = deflateSync(bytes, { level });
        yield new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength);
      }
    }
  }
}
