/** GeoPackage binary geometry: the "GP" header (SRS id, XY envelope) followed by little-endian WKB MultiPolygon. */
import { emptyEnvelope, extendEnvelope, type Envelope } from './features.ts';

const WKB_POLYGON = 3;
const WKB_MULTIPOLYGON = 6;
const HEADER_BYTES = 8 + 32;

/** polygons: each [shell, ...holes], closed flat rings. */
export function geoPackageMultiPolygon(polygons: Float64Array[][], srsId: number): { bytes: Uint8Array; envelope: Envelope } {
  let size = HEADER_BYTES + 9;
  const envelope = emptyEnvelope();
  for (const rings of polygons) {
    size += 9;
    for (const ring of rings) {
      size += 4 + ring.length * 8;
      extendEnvelope(envelope, ring);
    }
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x47; // 'G'
  bytes[1] = 0x50; // 'P'
  bytes[2] = 0; // version 1
  bytes[3] = 0b0000_0011; // little endian, envelope [minx, maxx, miny, maxy], not empty, standard GeoPackageBinary
  view.setInt32(4, srsId, true);
  view.setFloat64(8, envelope.minX, true);
  view.setFloat64(16, envelope.maxX, true);
  view.setFloat64(24, envelope.minY, true);
  view.setFloat64(32, envelope.maxY, true);
  let offset = HEADER_BYTES;
  const header = (type: number, count: number) => {
    bytes[offset] = 1;
    view.setUint32(offset + 1, type, true);
    view.setUint32(offset + 5, count, true);
    offset += 9;
  };
  header(WKB_MULTIPOLYGON, polygons.length);
  for (const rings of polygons) {
    header(WKB_POLYGON, rings.length);
    for (const ring of rings) {
      view.setUint32(offset, ring.length / 2, true);
      offset += 4;
      for (let i = 0; i < ring.length; i++, offset += 8) view.setFloat64(offset, ring[i], true);
    }
  }
  return { bytes, envelope };
}
