/**
 * The released Clay v1.5 encoder's state-dict keys and shapes (`clay_mae_large`: dim 1024, depth 24,
 * 16 heads of 64, MLP 4096, patch 8, wave_dim 128, 128 latent tokens, wave-transformer FFN 2048;
 * 311,442,944 parameters), as listed in ../shared/fixtures/clay-v1.5/README.md from Clay-foundation/model
 * `claymodel/model.py` at a5790ce. Key order is the checkpoint's (final norm before the layers).
 * `depth` may be smaller for benches that measure a fraction of the layers and extrapolate.
 */
export const V15_LARGE = { dim: 1024, depth: 24, heads: 16, mlp: 4096, patch: 8, waveDim: 128, latentTokens: 128, waveFfn: 2048 } as const;

export const V15_ENCODER_PREFIX = 'model.encoder.';

export function releasedV15EncoderShapes(
  depth: number = V15_LARGE.depth,
  dim: number = V15_LARGE.dim,
  mlp: number = V15_LARGE.mlp,
): [string, number[]][] {
  const { patch, waveDim: e, latentTokens: t, waveFfn } = V15_LARGE;
  const g = 'patch_embedding.weight_generator';
  const wl = `${g}.encoder.layers.0`;
  const out: [string, number[]][] = [
    ['cls_token', [1, 1, dim]],
    [`${g}.weight_tokens`, [t, e]],
    [`${g}.bias_token`, [1, e]],
    [`${wl}.self_attn.in_proj_weight`, [3 * e, e]],
    [`${wl}.self_attn.in_proj_bias`, [3 * e]],
    [`${wl}.self_attn.out_proj.weight`, [e, e]],
    [`${wl}.self_attn.out_proj.bias`, [e]],
    [`${wl}.linear1.weight`, [waveFfn, e]],
    [`${wl}.linear1.bias`, [waveFfn]],
    [`${wl}.linear2.weight`, [e, waveFfn]],
    [`${wl}.linear2.bias`, [e]],
    [`${wl}.norm1.weight`, [e]],
    [`${wl}.norm1.bias`, [e]],
    [`${wl}.norm2.weight`, [e]],
    [`${wl}.norm2.bias`, [e]],
    [`${g}.fc_weight.weight`, [patch * patch * dim, e]],
    [`${g}.fc_weight.bias`, [patch * patch * dim]],
    [`${g}.fc_bias.weight`, [dim, e]],
    [`${g}.fc_bias.bias`, [dim]],
    ['patch_embedding.fclayer.l1.weight', [e, e]],
    ['patch_embedding.fclayer.l1.bias', [e]],
    ['patch_embedding.fclayer.l2.weight', [e, e]],
    ['patch_embedding.fclayer.l2.bias', [e]],
    ['transformer.norm.weight', [dim]],
    ['transformer.norm.bias', [dim]],
  ];
  for (let i = 0; i < depth; i++) {
    const l = `transformer.layers.${i}`;
    out.push(
      [`${l}.0.norm.weight`, [dim]],
      [`${l}.0.norm.bias`, [dim]],
      [`${l}.0.to_qkv.weight`, [3 * dim, dim]],
      [`${l}.0.to_out.weight`, [dim, dim]],
      [`${l}.1.net.0.weight`, [dim]],
      [`${l}.1.net.0.bias`, [dim]],
      [`${l}.1.net.1.weight`, [mlp, dim]],
      [`${l}.1.net.1.bias`, [mlp]],
      [`${l}.1.net.3.weight`, [dim, mlp]],
      [`${l}.1.net.3.bias`, [dim]],
    );
  }
  return out.map(([key, shape]) => [V15_ENCODER_PREFIX + key, shape]);
}
