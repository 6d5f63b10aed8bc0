/** Turns chip pixels into RGBA on the chip's own grid: S1 false colour, S2 true colour, label classes. */
import { LABEL_COLOURS } from '../../api/preview.ts';

/** Fixed dB ranges, so chips compare with each other: typical land/water backscatter spans. */
export const S1_STRETCH_DB = { vv: [-25, 0], vh: [-32, -5], ratio: [0, 15] } as const;

const toByte = (value: number, [low, high]: readonly [number, number]) =>
  Math.max(0, Math.min(255, Math.round(((value - low) / (high - low)) * 255)));

const toDb = (linear: number) => (linear > 0 ? 10 * Math.log10(linear) : Number.NaN);

/**
 * Sentinel-1 false colour: red VV, green VH, blue VV−VH (dB). Open water is dark in both, so it shows
 * near black; a chip with one polarisation is drawn in grey. NaN pixels are transparent.
 */
export function s1FalseColour(vv: Float32Array | null, vh: Float32Array | null, units: 'dB' | 'linear', plane: number): Uint8Array {
  const out = new Uint8Array(plane * 4);
  const db = (band: Float32Array | null, i: number) => (band === null ? Number.NaN : units === 'linear' ? toDb(band[i]) : band[i]);
  for (let i = 0; i < plane; i++) {
    const a = db(vv, i);
    const b = db(vh, i);
    const hasA = Number.isFinite(a);
    const hasB = Number.isFinite(b);
    if (!hasA && !hasB) continue;
    if (hasA && hasB) {
      out.set([toByte(a, S1_STRETCH_DB.vv), toByte(b, S1_STRETCH_DB.vh), toByte(a - b, S1_STRETCH_DB.ratio), 255], i * 4);
    } else {
      const grey = hasA ? toByte(a, S1_STRETCH_DB.vv) : toByte(b, S1_STRETCH_DB.vh);
      out.set([grey, grey, grey, 255], i * 4);
    }
  }
  return out;
}

/** The value below which `fraction` of the finite values lie (sorted sample, at most 65 536 values). */
export function percentile(values: Float32Array, fraction: number): number {
  const step = Math.max(1, Math.floor(values.length / 65536));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (sample.length === 0) return Number.NaN;
  sample.sort((x, y) => x - y);
  return sample[Math.min(sample.length - 1, Math.floor(fraction * sample.length))];
}

/**
 * Sentinel-2 true colour (B04, B03, B02) with one 2–98 % stretch shared by the three bands, so the
 * colour balance is kept. Pixels with any band missing are transparent.
 */
export function s2TrueColour(red: Float32Array, green: Float32Array, blue: Float32Array, plane: number): Uint8Array {
  const all = new Float32Array(plane * 3);
  all.set(red, 0);
  all.set(green, plane);
  all.set(blue, plane * 2);
  const low = percentile(all, 0.02);
  const high = percentile(all, 0.98);
  const range: [number, number] = [low, high > low ? high : low + 1];
  const out = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    if (!Number.isFinite(red[i]) || !Number.isFinite(green[i]) || !Number.isFinite(blue[i])) continue;
    out.set([toByte(red[i], range), toByte(green[i], range), toByte(blue[i], range), 255], i * 4);
  }
  return out;
}

/** Label classes in LABEL_COLOURS: water, not water, not valid. */
export function labelColours(water: Uint8Array, valid: Uint8Array): Uint8Array {
  const out = new Uint8Array(water.length * 4);
  for (let i = 0; i < water.length; i++) {
    const rgb = valid[i] === 0 ? LABEL_COLOURS.notValid : water[i] === 1 ? LABEL_COLOURS.water : LABEL_COLOURS.notWater;
    out.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  }
  return out;
}
