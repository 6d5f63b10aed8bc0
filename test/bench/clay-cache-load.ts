/**
 * Load time and peak RSS of a Clay encoder read from its checkpoint vs from the encoder cache, each in
 * a fresh process (run the modes in this order on one cache folder):
 *   npx tsx test/bench/clay-cache-load.ts <ckpt> <cacheDir> checkpoint|convert|cache|identity-checkpoint|identity
 * checkpoint: no cache at all; convert: first load (reads the checkpoint, writes the cache);
 * cache: a later load; identity-checkpoint / identity: fingerprint only (what a new job asks first),
 * hashed from the checkpoint vs taken from the cache header.
 * Prints one JSON line. Build a full-size-shaped checkpoint with test/bench/make-full-size-v0.py.
 */
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { clayEncoderFromTensors } from '../../src-main/engine/clay/load.ts';
import { identifyClayEncoderFile, readClayEncoderTensors } from '../../src-main/engine/clay/cache/encoder-cache.ts';

const [file, cacheDir, mode] = process.argv.slice(2);
if (!file || !cacheDir || !['checkpoint', 'convert', 'cache', 'identity-checkpoint', 'identity'].includes(mode)) {
  console.error('usage: clay-cache-load.ts <ckpt> <cacheDir> checkpoint|convert|cache|identity-checkpoint|identity');
  process.exit(2);
}
const mb = (bytes: number) => Math.round(bytes / 1e6);
const backend = await initBackend();
const baselineRss = process.memoryUsage().rss;
const started = performance.now();
if (mode.startsWith('identity')) {
  const id = await identifyClayEncoderFile(file, { cacheDir: mode === 'identity' ? cacheDir : null });
  console.log(
    JSON.stringify({
      mode,
      from: id.from,
      seconds: +((performance.now() - started) / 1000).toFixed(3),
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
      baselineRssMB: mb(baselineRss),
    }),
  );
} else {
  const read = await readClayEncoderTensors(file, { cacheDir: mode === 'checkpoint' ? null : cacheDir, onWarning: console.warn });
  const readSeconds = (performance.now() - started) / 1000;
  let encoderBytes = 0;
  for (const t of read.tensors.values()) encoderBytes += t.data.byteLength;
  const rssAfterRead = process.memoryUsage().rss;
  const encoder = clayEncoderFromTensors(read.tensors, { file, hyperParameters: read.hyperParameters, consume: true });
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      mode,
      from: read.from,
      backend: backend.backend,
      encoderMB: mb(encoderBytes),
      readSeconds: +readSeconds.toFixed(3),
      loadSeconds: +totalSeconds.toFixed(3),
      baselineRssMB: mb(baselineRss),
      rssAfterReadMB: mb(rssAfterRead),
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
    }),
  );
  encoder.dispose();
}
