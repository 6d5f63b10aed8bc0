/** Clay foundation-model encoders (v0 and v1.x) in TensorFlow.js, inference only. */
export { loadClayEncoder, clayEncoderFromTensors, type ClayEncoder, type ClayEncoderInfo, type LoadClayOptions } from './load.ts';
export {
  identifyClay,
  describeNonClay,
  CLAY_V0_BAND_GROUPS,
  type ClaySpec,
  type ClayV0Spec,
  type ClayV15Spec,
  type BandGroup,
  type TensorShapeInfo,
  type IdentifyOptions,
} from './identify.ts';
export { ClayError } from './errors.ts';
export type { ClayBatch, ClayEmbedding, ClayForward, ForwardOptions, Shape4, ArrayWithShape } from './types.ts';
export type { EncodingPrecision } from './v0/positional-encoding.ts';
