/**
 * Recognise a Clay encoder from a checkpoint's tensor list (keys + shapes), without reading any data.
 * Everything but the head count comes from the weights; heads come from options, the checkpoint's
 * hyper-parameters, or the released model sizes.
 */
import { ClayError } from './errors.ts';

export interface TensorShapeInfo {
  key: string;
  shape: number[];
}

export interface BandGroup {
  name: string;
  /** Indices into the 13-band v0 input, in the order the group's conv expects them. */
  bands: number[];
}

interface CommonSpec {
  /** Key prefix of the encoder's tensors, e.g. `model.encoder.`. */
  prefix: string;
  dim: number;
  depth: number;
  heads: number;
  dimHead: number;
  mlpDim: number;
  patchSize: number;
  /** Where the head count came from (it cannot be read from the weights). */
  headsFrom: 'options' | 'checkpoint hyper-parameters' | 'released model size';
  /** Human-readable name, e.g. "Clay v0 (dim 768, depth 12, 6 band groups)". */
  description: string;
}

export interface ClayV0Spec extends CommonSpec {
  version: 'v0';
  bandGroups: BandGroup[];
  bandCount: number;
  /** Chip size the fixed position table was built for (image_size / patch_size patches per side). */
  imageSize: number;
}

/** Clay v1.0 and v1.5 share this encoder code (dynamic wavelength-conditioned embedding). */
export interface ClayV15Spec extends CommonSpec {
  version: 'v1.5';
  waveDim: number;
  numLatentTokens: number;
  waveHeads: number;
  waveFfnDim: number;
}

export type ClaySpec = ClayV0Spec | ClayV15Spec;

export interface IdentifyOptions {
  /** Attention heads of the encoder (not recoverable from weights). */
  heads?: number;
  /** The checkpoint's `hyper_parameters` (Lightning), searched for `heads`/`fixture_config`. */
  hyperParameters?: Record<string, unknown>;
  /** File name for error messages. */
  file?: string;
}

/** Clay v0's `band_groups` default (src/model_clay.py), dict order = token order. */
export const CLAY_V0_BAND_GROUPS: readonly BandGroup[] = [
  { name: 'rgb', bands: [2, 1, 0] },
  { name: 'rededge', bands: [3, 4, 5, 7] },
  { name: 'nir', bands: [6] },
  { name: 'swir', bands: [8, 9] },
  { name: 'sar', bands: [10, 11] },
  { name: 'dem', bands: [12] },
];

/** Released sizes: dim -> heads (dim_head 64 in all of them). */
const RELEASED_V0_HEADS: Record<number, number> = { 768: 12 };
const RELEASED_V1_HEADS: Record<number, number> = { 192: 4, 384: 6, 768: 12, 1024: 16 };
const WAVE_HEADS = 4; // fixed in claymodel's WavesTransformer

export function identifyClay(tensors: TensorShapeInfo[], opts: IdentifyOptions = {}): ClaySpec {
  const shapes = new Map(tensors.map((t) => [t.key, t.shape]));
  const prefix = findEncoderPrefix(tensors);
  if (prefix === null) throw new ClayError(`not a Clay encoder: ${describeNonClay(tensors)}`, opts.file);
  if (shapes.has(`${prefix}patch_embedding.weight_generator.weight_tokens`)) return identifyV15(shapes, prefix, opts);
  return identifyV0(tensors, shapes, prefix, opts);
}

function findEncoderPrefix(tensors: TensorShapeInfo[]): string | null {
  const candidates = new Set<string>();
  for (const { key } of tensors) {
    const m = /^(.*?)patch_embedding\./.exec(key);
    if (m) candidates.add(m[1]);
  }
  const keys = new Set(tensors.map((t) => t.key));
  const ok = [...candidates].filter((p) => keys.has(`${p}transformer.norm.weight`) && keys.has(`${p}transformer.layers.0.0.to_qkv.weight`));
  if (ok.length === 0) return null;
  return ok.includes('model.encoder.') ? 'model.encoder.' : ok.sort((a, b) => a.length - b.length)[0];
}

function need(shapes: Map<string, number[]>, key: string, rank: number, file?: string): number[] {
  const s = shapes.get(key);
  if (!s) throw new ClayError(`looks like a Clay encoder but ${key} is missing`, file);
  if (s.length !== rank) throw new ClayError(`${key} has shape [${s}], expected rank ${rank}`, file);
  return s;
}

function countDepth(shapes: Map<string, number[]>, prefix: string): number {
  let depth = 0;
  while (shapes.has(`${prefix}transformer.layers.${depth}.0.to_qkv.weight`)) depth++;
  return depth;
}

function transformerDims(shapes: Map<string, number[]>, prefix: string, file?: string) {
  const [dim] = need(shapes, `${prefix}transformer.norm.weight`, 1, file);
  const qkv = need(shapes, `${prefix}transformer.layers.0.0.to_qkv.weight`, 2, file);
  const mlp = need(shapes, `${prefix}transformer.layers.0.1.net.1.weight`, 2, file);
  if (qkv[1] !== dim || qkv[0] % 3 !== 0) throw new ClayError(`to_qkv.weight [${qkv}] does not fit dim ${dim}`, file);
  return { dim, inner: qkv[0] / 3, mlpDim: mlp[0], depth: countDepth(shapes, prefix) };
}

function configNumber(hp: Record<string, unknown> | undefined, name: string): number | undefined {
  if (!hp) return undefined;
  const fixture = hp['fixture_config'];
  const fromFixture = fixture && typeof fixture === 'object' ? (fixture as Record<string, unknown>)[name] : undefined;
  const v = fromFixture ?? hp[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function resolveHeads(
  version: string,
  dim: number,
  inner: number,
  released: Record<number, number>,
  opts: IdentifyOptions,
): { heads: number; headsFrom: CommonSpec['headsFrom'] } {
  let heads: number | undefined;
  let headsFrom: CommonSpec['headsFrom'];
  if (opts.heads !== undefined) {
    heads = opts.heads;
    headsFrom = 'options';
  } else if ((heads = configNumber(opts.hyperParameters, 'heads')) !== undefined) {
    headsFrom = 'checkpoint hyper-parameters';
  } else if (released[dim] !== undefined && inner === released[dim] * 64) {
    heads = released[dim];
    headsFrom = 'released model size';
  } else {
    throw new ClayError(
      `Clay ${version} encoder with dim ${dim} (attention width ${inner}) is not a released size and the checkpoint does not say how many heads it has: pass the head count explicitly`,
      opts.file,
    );
  }
  if (!Number.isInteger(heads) || heads <= 0 || inner % heads !== 0) {
    throw new ClayError(`${heads} heads do not divide the attention width ${inner} of this Clay ${version} encoder`, opts.file);
  }
  return { heads, headsFrom };
}

function identifyV0(tensors: TensorShapeInfo[], shapes: Map<string, number[]>, prefix: string, opts: IdentifyOptions): ClayV0Spec {
  const file = opts.file;
  const { dim, inner, mlpDim, depth } = transformerDims(shapes, prefix, file);
  need(shapes, `${prefix}latlon_embedding.weight`, 2, file);
  need(shapes, `${prefix}time_embedding.weight`, 2, file);
  // Group names and channel counts in stored (= token) order.
  const found: { name: string; channels: number; patch: number }[] = [];
  const re = new RegExp(`^${escapeRe(prefix)}patch_embedding\\.([^.]+)\\.proj\\.weight$`);
  for (const t of tensors) {
    const m = re.exec(t.key);
    if (!m) continue;
    const [d, c, kh, kw] = t.shape;
    if (t.shape.length !== 4 || d !== dim || kh !== kw)
      throw new ClayError(`${t.key} has shape [${t.shape}], expected [${dim},C,P,P]`, file);
    found.push({ name: m[1], channels: c, patch: kh });
  }
  if (found.length === 0) throw new ClayError(`Clay v0-like encoder without patch_embedding.<group>.proj.weight tensors`, file);
  const patchSize = found[0].patch;
  if (found.some((g) => g.patch !== patchSize)) throw new ClayError(`band groups use different patch sizes`, file);

  const configured = bandGroupsFromConfig(opts.hyperParameters);
  const groups = configured ?? CLAY_V0_BAND_GROUPS;
  const byName = new Map(groups.map((g) => [g.name, g]));
  const bandGroups: BandGroup[] = found.map((f) => {
    const g = byName.get(f.name);
    if (!g)
      throw new ClayError(
        `band group "${f.name}" is not one of ${groups.map((x) => x.name).join(', ')}${configured ? ' (from the checkpoint config)' : " (Clay v0's defaults)"}; its band indices are unknown`,
        file,
      );
    if (g.bands.length !== f.channels)
      throw new ClayError(
        `band group "${f.name}" has ${f.channels} channels in the weights but ${g.bands.length} bands in its definition`,
        file,
      );
    return { name: g.name, bands: [...g.bands] };
  });
  const bandCount = configNumber(opts.hyperParameters, 'bands') ?? Math.max(...bandGroups.flatMap((g) => g.bands)) + 1;
  const { heads, headsFrom } = resolveHeads('v0', dim, inner, RELEASED_V0_HEADS, opts);
  const imageSize = configNumber(opts.hyperParameters, 'image_size') ?? 512;
  return {
    version: 'v0',
    prefix,
    dim,
    depth,
    heads,
    dimHead: inner / heads,
    mlpDim,
    patchSize,
    headsFrom,
    bandGroups,
    bandCount,
    imageSize,
    description: `Clay v0 encoder (dim ${dim}, depth ${depth}, ${heads} heads, ${bandGroups.length} band groups, patch ${patchSize})`,
  };
}

function bandGroupsFromConfig(hp: Record<string, unknown> | undefined): BandGroup[] | undefined {
  const fixture = hp?.['fixture_config'];
  const raw =
    (fixture && typeof fixture === 'object' ? (fixture as Record<string, unknown>)['band_groups'] : undefined) ?? hp?.['band_groups'];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const out: BandGroup[] = [];
  for (const [name, bands] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(bands) || !bands.every((b) => Number.isInteger(b) && b >= 0)) return undefined;
    out.push({ name, bands: bands as number[] });
  }
  return out;
}

function identifyV15(shapes: Map<string, number[]>, prefix: string, opts: IdentifyOptions): ClayV15Spec {
  const file = opts.file;
  const { dim, inner, mlpDim, depth } = transformerDims(shapes, prefix, file);
  const pe = `${prefix}patch_embedding.weight_generator.`;
  const [numLatentTokens, waveDim] = need(shapes, `${pe}weight_tokens`, 2, file);
  const [fcRows] = need(shapes, `${pe}fc_weight.weight`, 2, file);
  const [waveFfnDim] = need(shapes, `${pe}encoder.layers.0.linear1.weight`, 2, file);
  need(shapes, `${prefix}cls_token`, 3, file);
  const patchSize = Math.round(Math.sqrt(fcRows / dim));
  if (patchSize * patchSize * dim !== fcRows) throw new ClayError(`fc_weight has ${fcRows} rows, not patch²·dim for dim ${dim}`, file);
  const { heads, headsFrom } = resolveHeads('v1.x', dim, inner, RELEASED_V1_HEADS, opts);
  const release = dim === 1024 && depth === 24 ? 'v1.5 large' : dim === 768 && depth === 12 ? 'v1 base' : 'custom size';
  return {
    version: 'v1.5',
    prefix,
    dim,
    depth,
    heads,
    dimHead: inner / heads,
    mlpDim,
    patchSize,
    headsFrom,
    waveDim,
    numLatentTokens,
    waveHeads: WAVE_HEADS,
    waveFfnDim,
    description: `Clay v1.x encoder, ${release} (dim ${dim}, depth ${depth}, ${heads} heads, patch ${patchSize}, wavelength-conditioned)`,
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What a checkpoint without a Clay encoder seems to be, for the refusal message. */
export function describeNonClay(tensors: TensorShapeInfo[]): string {
  if (tensors.length === 0) return 'the checkpoint holds no tensors';
  const families = new Map<string, number>();
  for (const { key } of tensors) {
    const parts = key.split('.');
    const fam = parts.length > 2 && parts[0] === 'model' ? `${parts[0]}.${parts[1]}` : parts[0];
    families.set(fam, (families.get(fam) ?? 0) + 1);
  }
  const famText = [...families].map(([f, n]) => `${f}.* (${n})`).join(', ');
  const keys = new Set(tensors.map((t) => t.key));
  const first = tensors[0];
  const onlyDecoder = [...families.keys()].every((f) => f === 'decoder');
  if (onlyDecoder && first.shape.length === 4) {
    const cin = first.shape[1];
    const hint = cin % 768 === 0 && cin >= 768 ? `, whose first conv takes ${cin} = ${cin / 768}·768 channels, i.e. Clay embeddings` : '';
    return `this is a segmentation-head state dict (decoder.* only${hint}: the seed's finetune decoder), not a Clay encoder; tensors: ${famText}`;
  }
  if (families.has('encoder') && families.has('decoder') && first.shape.length === 4 && !keys.has('encoder.transformer.norm.weight')) {
    return `this is a convolutional encoder-decoder state dict (encoder.*/decoder.* conv layers: the seed's from-scratch net), not a Clay encoder; tensors: ${famText}`;
  }
  if (families.has('model.decoder') || families.has('model.teacher')) {
    return `this is part of a Clay training checkpoint without its encoder (model.encoder.* absent); tensors: ${famText}`;
  }
  return `no tensors look like a Clay encoder (patch_embedding.* + transformer.layers.*); tensors: ${famText}`;
}
