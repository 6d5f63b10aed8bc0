/** The converted-encoder cache (docs/EMBEDDINGS.md "Encoder cache"). */
export { defaultCacheDir, resolveCacheDir, setCacheDir, encodersDir, ENCODER_CACHE_ENV } from './cache-dir.ts';
export {
  readClayEncoderTensors,
  identifyClayEncoderFile,
  type EncoderCacheOptions,
  type EncoderCacheMeta,
  type ClayEncoderTensors,
  type ClayEncoderFileIdentity,
  type ConversionStats,
} from './encoder-cache.ts';
export { cacheFilePath } from './source-index.ts';
