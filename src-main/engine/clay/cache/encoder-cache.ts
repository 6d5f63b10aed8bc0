/**
 * A Clay checkpoint converted once into `<cacheDir>/encoders/<fingerprint>.flck` (encoder tensors only,
 * float32, plus spec, source identity and fingerprint), so later loads of the same file (same path,
 * size, mtime) skip the pickle and the hashing and stream the tensors back with positioned reads.
 * A cache file that fails its size or checksum test is deleted and rebuilt from the checkpoint.
 */
import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { TorchCheckpoint } from '../../torch/checkpoint.ts';
import { identifyClay, type ClaySpec, type TensorShapeInfo } from '../identify.ts';
import { join } from 'node:path';
import { encodersDir, resolveCacheDir } from './cache-dir.ts';
import { CHECKSUM_NAME } from '../../tensor-file/checksum.ts';
import { TensorFileError, TensorFileReader, TensorFileWriter } from '../../tensor-file/tensor-file.ts';
import { hashTensor } from './fingerprint.ts';
import {
  cacheFilePath,
  forgetSource,
  lookupSource,
  rememberSource,
  sameSource,
  sourceIdentity,
  type SourceIdentity,
} from './source-index.ts';
import type { TensorRecord } from '../../compute/tensor-record.ts';

const KIND = 'floodlens-clay-encoder';
const FORMAT_VERSION = 1;

export interface EncoderCacheMeta {
  kind: typeof KIND;
  formatVersion: typeof FORMAT_VERSION;
  /** SHA-256 over the encoder tensors (see fingerprint.ts). */
  fingerprint: string;
  checksum: typeof CHECKSUM_NAME;
  spec: ClaySpec;
  /** The few hyper-parameters identification reads (heads, band groups, bands, image size). */
  hyperParameters: Record<string, unknown> | null;
  /** The checkpoint it was converted from. */
  source: SourceIdentity;
  createdAt: string;
}

export interface EncoderCacheOptions {
  /** The cache folder; `null` = do not cache; default: resolveCacheDir() (host setting, else CLI default). */
  cacheDir?: string | null;
  /** Attention heads, when the checkpoint cannot tell (see identifyClay). */
  heads?: number;
  /** Called with what went wrong when the cache cannot be used or written (the load still succeeds). */
  onWarning?: (message: string) => void;
  /** Called between tensors; throw (e.g. JobCancelledError) to stop. */
  checkCancelled?: () => void;
}

export interface ClayEncoderFileIdentity {
  file: string;
  spec: ClaySpec;
  fingerprint: string;
  /** Where it was read from this time. */
  from: 'cache' | 'checkpoint';
  /** The cache file now holding this encoder, or null (cache off or not writable). */
  cacheFile: string | null;
  /** When converted from the checkpoint this time: what was read and what it cost. */
  conversion?: ConversionStats;
}

export interface ConversionStats {
  checkpointBytes: number;
  /** float32 bytes of the encoder tensors (what the cache holds). */
  encoderBytes: number;
  /** Bytes read from the checkpoint: zip directory + data.pkl + the encoder's records, never the teacher/decoder/optimizer ones. */
  bytesRead: number;
  seconds: number;
  /** This process's peak RSS so far (getrusage maxRSS), bytes: the conversion's own when it runs in a fresh process. */
  peakRssBytes: number;
}

export interface ClayEncoderTensors extends ClayEncoderFileIdentity {
  /** Keys as in the checkpoint (e.g. `model.encoder.*`), checkpoint order. */
  tensors: Map<string, TensorRecord>;
  hyperParameters?: Record<string, unknown>;
}

/** Encoder tensors, spec and fingerprint: from the cache when it holds this file, else from the checkpoint (caching it). */
export async function readClayEncoderTensors(file: string, opts: EncoderCacheOptions = {}): Promise<ClayEncoderTensors> {
  return (await readEncoder(file, true, opts)) as ClayEncoderTensors;
}

/** Spec and fingerprint only: a cache hit reads the cache header alone; a miss converts (streaming) and caches. */
export async function identifyClayEncoderFile(file: string, opts: EncoderCacheOptions = {}): Promise<ClayEncoderFileIdentity> {
  const { file: f, spec, fingerprint, from, cacheFile, conversion } = await readEncoder(file, false, opts);
  return { file: f, spec, fingerprint, from, cacheFile, ...(conversion ? { conversion } : {}) };
}

async function readEncoder(
  file: string,
  keep: boolean,
  opts: EncoderCacheOptions,
): Promise<ClayEncoderFileIdentity & Partial<ClayEncoderTensors>> {
  const cacheDir = resolveCacheDir(opts.cacheDir);
  const source = cacheDir ? await sourceIdentity(file) : null;
  if (cacheDir && source) {
    const fingerprint = await lookupSource(cacheDir, source);
    if (fingerprint) {
      try {
        return await fromCache(file, cacheDir, fingerprint, keep, opts);
      } catch (error) {
        if (!(error instanceof TensorFileError)) throw error;
        opts.onWarning?.(`${error.message}: rebuilding it from ${file}`);
        await unlink(cacheFilePath(cacheDir, fingerprint)).catch(() => undefined);
        await forgetSource(cacheDir, source);
      }
    }
  }
  return fromCheckpoint(file, keep, cacheDir, source, opts);
}

async function fromCache(
  file: string,
  cacheDir: string,
  fingerprint: string,
  keep: boolean,
  opts: EncoderCacheOptions,
): Promise<ClayEncoderFileIdentity & Partial<ClayEncoderTensors>> {
  const path = cacheFilePath(cacheDir, fingerprint);
  const reader = await TensorFileReader.open(path);
  try {
    const entries = reader.tensors;
    const meta = reader.meta as Partial<EncoderCacheMeta>;
    if (
      meta.kind !== KIND ||
      meta.formatVersion !== FORMAT_VERSION ||
      meta.checksum !== CHECKSUM_NAME ||
      meta.fingerprint !== fingerprint ||
      !reader.checksummed
    ) {
      throw new TensorFileError(
        path,
        `is not the cached encoder ${fingerprint.slice(0, 12)} (kind ${String(meta.kind)}, format ${String(meta.formatVersion)})`,
      );
    }
    const hyperParameters = meta.hyperParameters ?? undefined;
    // Cheap (keys and shapes only) and honours opts.heads exactly as a checkpoint load would.
    const spec = identifyClay(
      entries.map((t) => ({ key: t.name, shape: t.shape })),
      { heads: opts.heads, hyperParameters, file },
    );
    const identity = { file, spec, fingerprint, from: 'cache' as const, cacheFile: path };
    if (!keep) return identity;
    const tensors = new Map<string, TensorRecord>();
    for (const [index, entry] of entries.entries()) {
      opts.checkCancelled?.();
      tensors.set(entry.name, { shape: entry.shape, data: await reader.read(index) });
    }
    return { ...identity, tensors, hyperParameters };
  } finally {
    await reader.close();
  }
}

async function fromCheckpoint(
  file: string,
  keep: boolean,
  cacheDir: string | null,
  source: SourceIdentity | null,
  opts: EncoderCacheOptions,
): Promise<ClayEncoderFileIdentity & Partial<ClayEncoderTensors>> {
  const started = performance.now();
  const ckpt = await TorchCheckpoint.open(file);
  let writer: TensorFileWriter | null = null;
  const warn = (what: string, error: unknown) =>
    opts.onWarning?.(`cannot cache the encoder of ${file} (${what}): ${(error as Error).message}`);
  try {
    const hp = ckpt.metadata()['hyper_parameters'];
    const hyperParameters = hp && typeof hp === 'object' && !Array.isArray(hp) ? (hp as Record<string, unknown>) : undefined;
    const list = ckpt.tensors();
    // Refuses a non-Clay file (saying what it is) before reading any tensor.
    const spec = identifyClay(list, { heads: opts.heads, hyperParameters, file });
    const encoderList: TensorShapeInfo[] = list.filter((t) => t.key.startsWith(spec.prefix));
    const metaFor = (fingerprint: string, createdAt: string): EncoderCacheMeta => ({
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      fingerprint,
      checksum: CHECKSUM_NAME,
      spec,
      hyperParameters: identifyingHyperParameters(hyperParameters),
      source: source!,
      createdAt,
    });
    if (cacheDir && source) {
      const template = metaFor('0'.repeat(64), new Date(0).toISOString());
      writer = await TensorFileWriter.start(
        join(encodersDir(cacheDir), 'encoder.flck'),
        encoderList.map((t) => ({ name: t.key, shape: t.shape })),
        template,
      ).catch((error) => {
        warn('start', error);
        return null;
      });
    }
    const hash = createHash('sha256');
    const tensors = new Map<string, TensorRecord>();
    for (const { key, shape } of encoderList) {
      opts.checkCancelled?.();
      const data = await ckpt.readFloat32(key);
      hashTensor(hash, key.slice(spec.prefix.length), shape, data);
      if (writer) {
        try {
          await writer.write(data);
        } catch (error) {
          warn('write', error);
          await writer.abort();
          writer = null;
        }
      }
      if (keep) tensors.set(key, { shape, data });
    }
    const fingerprint = hash.digest('hex');
    let cacheFile: string | null = null;
    if (writer && cacheDir && source) {
      const finishing = writer;
      writer = null;
      try {
        const path = cacheFilePath(cacheDir, fingerprint);
        await finishing.finish(metaFor(fingerprint, new Date().toISOString()), path);
        // A file rewritten while it was read must not be remembered under its old size and mtime.
        const after = await sourceIdentity(file);
        if (after && sameSource(after, source)) await rememberSource(cacheDir, source, fingerprint);
        cacheFile = path;
      } catch (error) {
        warn('finish', error);
      }
    }
    const conversion: ConversionStats = {
      checkpointBytes: ckpt.fileSize,
      encoderBytes: encoderList.reduce((sum, t) => sum + 4 * t.shape.reduce((a, b) => a * b, 1), 0),
      bytesRead: ckpt.bytesRead,
      seconds: (performance.now() - started) / 1000,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    return { file, spec, fingerprint, from: 'checkpoint', cacheFile, conversion, ...(keep ? { tensors, hyperParameters } : {}) };
  } finally {
    await writer?.abort();
    await ckpt.close();
  }
}

/** identifyClay reads only these; a Lightning `hyper_parameters` can hold much more. */
const IDENTIFYING_KEYS = ['heads', 'band_groups', 'bands', 'image_size', 'fixture_config'];

function identifyingHyperParameters(hp: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!hp) return null;
  const kept = Object.fromEntries(IDENTIFYING_KEYS.filter((key) => key in hp).map((key) => [key, hp[key]]));
  return Object.keys(kept).length > 0 ? kept : null;
}
