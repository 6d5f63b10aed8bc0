/**
 * Recognising Clay encoders (v0, v1.x) from a checkpoint's key/shape list, and refusing other
 * checkpoints with a message that says what they are: the real fixture files, plus key lists with
 * the released models' shapes (from the fixtures' JSON indexes).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TorchCheckpoint } from '../../src-main/engine/torch/checkpoint.ts';
import { identifyClay, loadClayEncoder, ClayError, type TensorShapeInfo } from '../../src-main/engine/clay/index.ts';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('clay checkpoint identification');

async function tensorList(path: string): Promise<{ tensors: TensorShapeInfo[]; hp: Record<string, unknown> | undefined }> {
  const ckpt = await TorchCheckpoint.open(path);
  try {
    return { tensors: ckpt.tensors(), hp: ckpt.metadata()['hyper_parameters'] as Record<string, unknown> | undefined };
  } finally {
    await ckpt.close();
  }
}

/** Repeat layer 0's keys for layers 0..depth-1 (the fixtures list two layers). */
function withDepth(list: TensorShapeInfo[], depth: number): TensorShapeInfo[] {
  const out = list.filter((t) => !/\.transformer\.layers\.\d+\./.test(t.key) || !t.key.startsWith('model.encoder.'));
  const layer0 = list.filter((t) => t.key.startsWith('model.encoder.transformer.layers.0.'));
  for (let i = 0; i < depth; i++) for (const t of layer0) out.push({ key: t.key.replace('.layers.0.', `.layers.${i}.`), shape: t.shape });
  return out;
}

describe('identifyClay without files', () => {
  it('refuses an empty or unrelated state dict, saying what it holds', () => {
    expect(() => identifyClay([])).toThrow(/no tensors/);
    expect(() =>
      identifyClay([
        { key: 'backbone.conv1.weight', shape: [64, 3, 7, 7] },
        { key: 'fc.weight', shape: [1000, 512] },
      ]),
    ).toThrow(/not a Clay encoder.*backbone\.\* \(1\), fc\.\* \(1\)/);
  });
});

describe.skipIf(!hasShared)('identifyClay on the fixture checkpoints', () => {
  it('tiny v0: dims, depth, band groups, patch size; heads from the checkpoint hyper-parameters', async () => {
    const { tensors, hp } = await tensorList(sharedFixture('clay-v0', 'clay-v0-tiny.ckpt'));
    const spec = identifyClay(tensors, { hyperParameters: hp });
    expect(spec).toMatchObject({
      version: 'v0',
      prefix: 'model.encoder.',
      dim: 64,
      depth: 2,
      heads: 4,
      dimHead: 16,
      mlpDim: 128,
      patchSize: 32,
      bandCount: 13,
      imageSize: 512,
      headsFrom: 'checkpoint hyper-parameters',
    });
    if (spec.version !== 'v0') throw new Error('unreachable');
    expect(spec.bandGroups).toEqual([
      { name: 'rgb', bands: [2, 1, 0] },
      { name: 'rededge', bands: [3, 4, 5, 7] },
      { name: 'nir', bands: [6] },
      { name: 'swir', bands: [8, 9] },
      { name: 'sar', bands: [10, 11] },
      { name: 'dem', bands: [12] },
    ]);
    // heads cannot come from the weights: without config a non-released width is refused, an explicit value wins
    expect(() => identifyClay(tensors)).toThrow(/heads/);
    expect(identifyClay(tensors, { heads: 2 })).toMatchObject({ heads: 2, dimHead: 32, headsFrom: 'options' });
    expect(() => identifyClay(tensors, { heads: 5 })).toThrow(/do not divide/);
  });

  it('tiny v1.5: dims, depth, patch size from fc_weight, wave generator sizes', async () => {
    const { tensors, hp } = await tensorList(sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt'));
    expect(identifyClay(tensors, { hyperParameters: hp })).toMatchObject({
      version: 'v1.5',
      dim: 64,
      depth: 2,
      heads: 4,
      patchSize: 8,
      waveDim: 128,
      numLatentTokens: 128,
      waveFfnDim: 2048,
    });
  });

  it('released shapes: v0 small (768/12/12 heads, 4608 grid channels) and v1.5 large (1024/24/16 heads)', () => {
    const v0json = JSON.parse(readFileSync(sharedFixture('clay-v0', 'clay-v0-tiny.json'), 'utf8')) as { state_dict: TensorShapeInfo[] };
    const widen: Record<number, number> = { 64: 768, 128: 3072, 192: 2304 };
    const v0real = withDepth(
      v0json.state_dict.map((t) => ({
        key: t.key,
        shape: t.key.startsWith('model.encoder.') ? t.shape.map((d, i) => (i <= 1 ? (widen[d] ?? d) : d)) : t.shape,
      })),
      12,
    );
    expect(identifyClay(v0real)).toMatchObject({
      version: 'v0',
      dim: 768,
      depth: 12,
      heads: 12,
      dimHead: 64,
      mlpDim: 3072,
      patchSize: 32,
      headsFrom: 'released model size',
    });

    const v15json = JSON.parse(readFileSync(sharedFixture('clay-v1.5', 'clay-v1.5-tiny.json'), 'utf8')) as {
      state_dict: { keys: { key: string; 'real_v1.5_shape': number[] }[] };
    };
    const v15real = withDepth(
      v15json.state_dict.keys.map((t) => ({ key: t.key, shape: t['real_v1.5_shape'] })),
      24,
    );
    const spec = identifyClay(v15real);
    expect(spec).toMatchObject({
      version: 'v1.5',
      dim: 1024,
      depth: 24,
      heads: 16,
      dimHead: 64,
      mlpDim: 4096,
      patchSize: 8,
      headsFrom: 'released model size',
    });
    expect(spec.description).toMatch(/v1\.5 large/);
    // a full Clay training checkpoint also carries teacher/decoder tensors: the encoder is still found
    expect(
      identifyClay([
        { key: 'model.teacher.blocks.0.attn.qkv.weight', shape: [3072, 1024] },
        ...v15real,
        { key: 'model.decoder.transformer.norm.weight', shape: [512] },
      ]).version,
    ).toBe('v1.5');
  });

  it("refuses the seed nets' state dicts and says what they are", async () => {
    const head = await tensorList(sharedFixture('seed-nets', 'finetune-decoder.pt'));
    expect(() => identifyClay(head.tensors)).toThrow(
      /segmentation-head state dict \(decoder\.\* only, whose first conv takes 4608 = 6·768 channels/,
    );
    const scratch = await tensorList(sharedFixture('seed-nets', 'scratch-net.pt'));
    expect(() => identifyClay(scratch.tensors)).toThrow(/convolutional encoder-decoder.*not a Clay encoder/);
    await expect(loadClayEncoder(sharedFixture('seed-nets', 'finetune-decoder.pt'))).rejects.toThrow(ClayError);
    await expect(loadClayEncoder(sharedFixture('seed-nets', 'finetune-decoder.pt'))).rejects.toThrow(
      /finetune-decoder\.pt: not a Clay encoder/,
    );
  });

  it('refuses a v0 checkpoint whose band groups are not the known ones', async () => {
    const { tensors } = await tensorList(sharedFixture('clay-v0', 'clay-v0-tiny.ckpt'));
    const renamed = tensors.map((t) => ({ key: t.key.replace('patch_embedding.sar.', 'patch_embedding.s1.'), shape: t.shape }));
    expect(() => identifyClay(renamed, { heads: 4 })).toThrow(/band group "s1"/);
    const wrongChannels = tensors.map((t) =>
      t.key.endsWith('patch_embedding.rgb.proj.weight') ? { key: t.key, shape: [64, 4, 32, 32] } : t,
    );
    expect(() => identifyClay(wrongChannels, { heads: 4 })).toThrow(/"rgb" has 4 channels/);
  });
});
