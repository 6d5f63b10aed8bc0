/**
 * Open a Clay checkpoint (Lightning `.ckpt` or plain state dict), identify the encoder, read only its
 * tensors, and build the matching tfjs encoder on the shared backend (engine/compute `initBackend()`,
 * which this calls; it is idempotent, so a caller's earlier choice stands).
 */
import { initBackend } from '../compute/backend.ts';
import { TorchCheckpoint } from '../torch/checkpoint.ts';
import { readClayEncoderTensors } from './cache/encoder-cache.ts';
import { ClayError } from './errors.ts';
import { identifyClay, type BandGroup, type ClaySpec } from './identify.ts';
import type { ClayBatch, ClayEmbedding, ClayForward, ForwardOptions } from './types.ts';
import { ClayV0Encoder } from './v0/encoder.ts';
import type { EncodingPrecision } from './v0/positional-encoding.ts';
import { ClayV15Encoder } from './v15/encoder.ts';
import { EncoderWeights } from './weights.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';

export interface LoadClayOptions {
  /** Attention heads (not stored in the weights). Default: the checkpoint's hyper-parameters, else the released size (v0 12, v1.5 16). */
  heads?: number;
  /** v0 only: position/band tables in 'float16' (v0.0.1, what the released weights saw; default) or 'float32'. */
  encodingPrecision?: EncodingPrecision;
  /** Encoder cache folder (engine/clay/cache): the first load converts the checkpoint into it, later loads read it. Absent: read the checkpoint only. */
  cacheDir?: string;
}

export interface ClayEncoderInfo {
  version: 'v0' | 'v1.5';
  description: string;
  file: string;
  dim: number;
  depth: number;
  heads: number;
  patchSize: number;
  /** Channels of the embedding grid: v0 G·D (4608 released), v1.x D. */
  embeddingChannels: number;
  /** v0: chip side the model was trained on (512) and its patch grid (16×16). v1.x: any square multiple of patchSize. */
  chipSize?: number;
  patchGrid?: [number, number];
  /** v0: its 13-band input, grouped. */
  bandGroups?: BandGroup[];
  bandCount?: number;
  encodingPrecision?: EncodingPrecision;
  spec: ClaySpec;
}

export interface ClayEncoder {
  readonly info: ClayEncoderInfo;
  /** Embedding grid for the segmentation decoder: v0 [B, G·D, H/P, W/P], v1.x [B, D, H/P, W/P]. */
  embed(batch: ClayBatch): Promise<ClayEmbedding>;
  /** Tokens, grid and (with capture) intermediate stages. */
  forward(batch: ClayBatch, opts?: ForwardOptions): Promise<ClayForward>;
  /** Free the encoder's tensors. */
  dispose(): void;
}

/** Build an encoder from already-read tensors (keys as in the checkpoint, e.g. `model.encoder.*`). */
export function clayEncoderFromTensors(
  tensors: Map<string, TensorRecord>,
  opts: LoadClayOptions & { file?: string; hyperParameters?: Record<string, unknown>; consume?: boolean } = {},
): ClayEncoder {
  const file = opts.file ?? '(in memory)';
  const spec = identifyClay(
    [...tensors].map(([key, t]) => ({ key, shape: t.shape })),
    { heads: opts.heads, hyperParameters: opts.hyperParameters, file: opts.file },
  );
  const weights = new EncoderWeights(tensors, spec.prefix, opts.file, opts.consume ?? false);
  try {
    const model =
      spec.version === 'v0'
        ? ClayV0Encoder.load(weights, spec, { encodingPrecision: opts.encodingPrecision })
        : ClayV15Encoder.load(weights, spec);
    return wrap(model, spec, file);
  } catch (err) {
    weights.dispose();
    throw err;
  }
}

export async function loadClayEncoder(checkpointPath: string, opts: LoadClayOptions = {}): Promise<ClayEncoder> {
  await initBackend();
  if (opts.cacheDir !== undefined) {
    const read = await readClayEncoderTensors(checkpointPath, { cacheDir: opts.cacheDir, heads: opts.heads });
    return clayEncoderFromTensors(read.tensors, { ...opts, hyperParameters: read.hyperParameters, file: checkpointPath, consume: true });
  }
  const ckpt = await TorchCheckpoint.open(checkpointPath);
  try {
    const meta = ckpt.metadata();
    const hp = meta['hyper_parameters'];
    const hyperParameters = hp && typeof hp === 'object' && !Array.isArray(hp) ? (hp as Record<string, unknown>) : undefined;
    const list = ckpt.tensors();
    // Identify from the key list first, so a wrong file is refused before any tensor is read.
    const spec = identifyClay(list, { heads: opts.heads, hyperParameters, file: checkpointPath });
    const tensors = new Map<string, TensorRecord>();
    for (const { key, shape } of list) {
      if (key.startsWith(spec.prefix)) tensors.set(key, { shape, data: await ckpt.readFloat32(key) });
    }
    return clayEncoderFromTensors(tensors, { ...opts, hyperParameters, file: checkpointPath, consume: true });
  } finally {
    await ckpt.close();
  }
}

function wrap(model: ClayV0Encoder | ClayV15Encoder, spec: ClaySpec, file: string): ClayEncoder {
  const common = {
    description: spec.description,
    file,
    dim: spec.dim,
    depth: spec.depth,
    heads: spec.heads,
    patchSize: spec.patchSize,
    spec,
  };
  const info: ClayEncoderInfo =
    spec.version === 'v0'
      ? {
          ...common,
          version: 'v0',
          embeddingChannels: spec.bandGroups.length * spec.dim,
          chipSize: spec.imageSize,
          patchGrid: [spec.imageSize / spec.patchSize, spec.imageSize / spec.patchSize],
          bandGroups: spec.bandGroups,
          bandCount: spec.bandCount,
          encodingPrecision: (model as ClayV0Encoder).encodingPrecision,
        }
      : { ...common, version: 'v1.5', embeddingChannels: spec.dim };
  let disposed = false;
  const alive = () => {
    if (disposed) throw new ClayError('this Clay encoder was disposed', file);
  };
  return {
    info,
    async embed(batch) {
      alive();
      const { grid, shape } = await model.forward(batch);
      return { grid, shape };
    },
    async forward(batch, opts) {
      alive();
      return model.forward(batch, opts);
    },
    dispose() {
      if (!disposed) model.dispose();
      disposed = true;
    },
  };
}
