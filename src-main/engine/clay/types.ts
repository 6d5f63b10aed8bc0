/** Inputs and outputs shared by the Clay encoders. All arrays are float32, C order. */

export type Shape4 = [number, number, number, number];

/**
 * One batch of already-normalised chips.
 * - v0: `pixels` [B,13,H,W] in Clay v0's band order, `latlon` [B,2] = (sin lat, atan2(cos lon, sin lon))-style
 *   values of v0's normalize_latlon, `time` [B,3] = normalize_timestamp (year', month', day').
 * - v1.x: `pixels` [B,C,H,W] any bands, `waves` [C] wavelengths in µm, `gsd` metres, `time` [B,4] =
 *   [sin week, cos week, sin hour, cos hour], `latlon` [B,4] = [sin lat, cos lat, sin lon, cos lon].
 */
export interface ClayBatch {
  pixels: Float32Array;
  shape: Shape4;
  latlon: Float32Array;
  time: Float32Array;
  waves?: ArrayLike<number>;
  gsd?: number;
}

export interface ArrayWithShape {
  data: Float32Array;
  shape: number[];
}

export interface ClayEmbedding {
  /** Embedding map for a segmentation decoder, [B, C, H, W]. */
  grid: Float32Array;
  shape: Shape4;
}

export interface ClayForward extends ClayEmbedding {
  /** Encoder output tokens after the final LayerNorm, [B, N, D] (v0: patches then latlon, time; v1.x: cls then patches). */
  tokens: Float32Array;
  tokensShape: [number, number, number];
  /** Named intermediate arrays when requested (patch_embed, transformer_input, block{i}_out, ...). */
  intermediates: Map<string, ArrayWithShape>;
}

export interface ForwardOptions {
  /** Copy intermediate stages out for parity checks (costs memory). */
  capture?: boolean;
}
