/**
 * Fixed sine-cosine tables of Clay, computed the way torch computes them in float32
 * (each intermediate rounded to float32 with Math.fround), so they match Clay's buffers to ~1 ulp.
 */
const f32 = Math.fround;

/** Round a number to the nearest IEEE float16 value (ties to even), returned widened to a JS number. */
export function roundToFloat16(value: number): number {
  const v = f32(value);
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return Math.sign(v) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const q = a / ulp; // exact: a has a 24-bit mantissa
  const lo = Math.floor(q);
  const frac = q - lo;
  const r = frac > 0.5 || (frac === 0.5 && lo % 2 === 1) ? lo + 1 : lo;
  return Math.sign(v) * r * ulp;
}

export function roundTableToFloat16(table: Float32Array): Float32Array {
  const out = new Float32Array(table.length);
  for (let i = 0; i < table.length; i++) out[i] = roundToFloat16(table[i]);
  return out;
}

/** omega_k = 1 / temperature^(k/(n-1)), k = 0..n-1, as torch float32 does it. */
function omegas(n: number, temperature = 10000): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const w = f32(k / (n - 1));
    out[k] = f32(1 / f32(temperature ** w));
  }
  return out;
}

/**
 * Clay `posemb_sincos_2d(h, w, dim)`: row l = y*w + x holds [sin(x·ω), cos(x·ω), sin(y·ω), cos(y·ω)],
 * x = column first, ω_k = 1/10000^(k/(dim/4-1)). Returns [h*w, dim] row-major.
 */
export function posembSincos2d(h: number, w: number, dim: number): Float32Array {
  if (dim % 4 !== 0) throw new Error(`posembSincos2d: dim ${dim} is not a multiple of 4`);
  return sincos2dTable(h, w, dim, omegas(dim / 4));
}

/**
 * Clay v1.x `posemb_sincos_2d_with_gsd(h, w, dim, gsd)`: like posembSincos2d but with
 * ω_k = gsd / 10000^(2·(k/(dim/4-1))/dim) (Clay's exponent quirk kept on purpose).
 */
export function posembSincos2dWithGsd(h: number, w: number, dim: number, gsd: number): Float32Array {
  if (dim % 4 !== 0) throw new Error(`posembSincos2dWithGsd: dim ${dim} is not a multiple of 4`);
  const n = dim / 4;
  const om = new Float32Array(n);
  const g = f32(gsd);
  for (let k = 0; k < n; k++) {
    const wk = f32(k / (n - 1));
    const e = f32(f32(2 * wk) / dim);
    om[k] = f32(f32(1 / f32(10000 ** e)) * g);
  }
  return sincos2dTable(h, w, dim, om);
}

function sincos2dTable(h: number, w: number, dim: number, om: Float32Array): Float32Array {
  const n = om.length;
  const out = new Float32Array(h * w * dim);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const row = (y * w + x) * dim;
      for (let k = 0; k < n; k++) {
        const ax = f32(x * om[k]);
        const ay = f32(y * om[k]);
        out[row + k] = Math.sin(ax);
        out[row + n + k] = Math.cos(ax);
        out[row + 2 * n + k] = Math.sin(ay);
        out[row + 3 * n + k] = Math.cos(ay);
      }
    }
  }
  return out;
}

/**
 * Clay `posemb_sincos_1d`: for each position p (an index for v0 band groups, a wavelength in µm for
 * v1.x), [sin(p·ω), cos(p·ω)] with ω_k = 1/10000^(k/(dim/2-1)). Returns [positions.length, dim].
 */
export function posembSincos1d(positions: ArrayLike<number>, dim: number): Float32Array {
  if (dim % 2 !== 0) throw new Error(`posembSincos1d: dim ${dim} is odd`);
  const n = dim / 2;
  const om = omegas(n);
  const out = new Float32Array(positions.length * dim);
  for (let p = 0; p < positions.length; p++) {
    const pos = f32(positions[p]);
    for (let k = 0; k < n; k++) {
      const a = f32(pos * om[k]);
      out[p * dim + k] = Math.sin(a);
      out[p * dim + n + k] = Math.cos(a);
    }
  }
  return out;
}
