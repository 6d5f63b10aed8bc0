"""Write a synthetic Clay v1.5 Lightning checkpoint with torch.save (real zip + pickle format): the
released key layout (state_dict keys `model.encoder.*` as in the fixtures/clay-v1.5 README, then
`model.teacher.*` = a DINOv2 ViT-L/14 with 4 registers, `model.proj.*`, `model.decoder.*`), Adam state
for every trainable parameter in `optimizer_states`, `lr_schedulers`, loops and callbacks, like a file
Lightning saves during pre-training.
  /usr/bin/python3 test/helpers/write_clay_v15_checkpoint.py OUT.ckpt [--scale full|small] [--seed 0]
`full`: the released shapes (encoder dim 1024, depth 24, MLP 4096; ~5.2 GB on disk). `small`: the same
keys at dim 64, depth 2, MLP 128, teacher dim 64 (a few MB, for CI).
Encoder tensors hold seeded random values. Teacher/decoder/proj/optimizer tensors are allocated at full
size but left unwritten (torch.empty: untouched pages read as zeros), so writing a 5 GB file needs ~1.5 GB
of RAM here; a reader that skips those records never sees the difference. The decoder's shapes are
Clay's layout at dim 512 / depth 4 (approximate: not published in what we could read).
Prints one JSON line: path, bytes, encoder keys, record count, parameter counts."""
import argparse, collections, json, os
import torch

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--scale", choices=["full", "small"], default="full")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
full = a.scale == "full"
D, DEPTH, MLP = (1024, 24, 4096) if full else (64, 2, 128)
TD, TDEPTH, TMLP, TPOS = (1024, 24, 4096, 1370) if full else (64, 2, 128, 37)
DD, DDEPTH = (512, 4) if full else (32, 1)
E, T, WFFN, P = 128, 128, 2048, 8
g = torch.Generator().manual_seed(a.seed)

encoder = [("cls_token", [1, 1, D]),
           ("patch_embedding.weight_generator.weight_tokens", [T, E]),
           ("patch_embedding.weight_generator.bias_token", [1, E])]
wl = "patch_embedding.weight_generator.encoder.layers.0."
encoder += [(wl + "self_attn.in_proj_weight", [3 * E, E]), (wl + "self_attn.in_proj_bias", [3 * E]),
            (wl + "self_attn.out_proj.weight", [E, E]), (wl + "self_attn.out_proj.bias", [E]),
            (wl + "linear1.weight", [WFFN, E]), (wl + "linear1.bias", [WFFN]),
            (wl + "linear2.weight", [E, WFFN]), (wl + "linear2.bias", [E]),
            (wl + "norm1.weight", [E]), (wl + "norm1.bias", [E]), (wl + "norm2.weight", [E]), (wl + "norm2.bias", [E]),
            ("patch_embedding.weight_generator.fc_weight.weight", [P * P * D, E]), ("patch_embedding.weight_generator.fc_weight.bias", [P * P * D]),
            ("patch_embedding.weight_generator.fc_bias.weight", [D, E]), ("patch_embedding.weight_generator.fc_bias.bias", [D]),
            ("patch_embedding.fclayer.l1.weight", [E, E]), ("patch_embedding.fclayer.l1.bias", [E]),
            ("patch_embedding.fclayer.l2.weight", [E, E]), ("patch_embedding.fclayer.l2.bias", [E]),
            ("transformer.norm.weight", [D]), ("transformer.norm.bias", [D])]
for i in range(DEPTH):
    l = f"transformer.layers.{i}."
    encoder += [(l + "0.norm.weight", [D]), (l + "0.norm.bias", [D]), (l + "0.to_qkv.weight", [3 * D, D]), (l + "0.to_out.weight", [D, D]),
                (l + "1.net.0.weight", [D]), (l + "1.net.0.bias", [D]), (l + "1.net.1.weight", [MLP, D]), (l + "1.net.1.bias", [MLP]),
                (l + "1.net.3.weight", [D, MLP]), (l + "1.net.3.bias", [D])]

teacher = [("cls_token", [1, 1, TD]), ("reg_token", [1, 4, TD]), ("pos_embed", [1, TPOS, TD]), ("mask_token", [1, TD]),
           ("patch_embed.proj.weight", [TD, 3, 14, 14]), ("patch_embed.proj.bias", [TD])]
for i in range(TDEPTH):
    b = f"blocks.{i}."
    teacher += [(b + "norm1.weight", [TD]), (b + "norm1.bias", [TD]), (b + "attn.qkv.weight", [3 * TD, TD]), (b + "attn.qkv.bias", [3 * TD]),
                (b + "attn.proj.weight", [TD, TD]), (b + "attn.proj.bias", [TD]), (b + "ls1.gamma", [TD]),
                (b + "norm2.weight", [TD]), (b + "norm2.bias", [TD]), (b + "mlp.fc1.weight", [TMLP, TD]), (b + "mlp.fc1.bias", [TMLP]),
                (b + "mlp.fc2.weight", [TD, TMLP]), (b + "mlp.fc2.bias", [TD]), (b + "ls2.gamma", [TD])]
teacher += [("norm.weight", [TD]), ("norm.bias", [TD])]

decoder = [("enc_to_dec.weight", [DD, D]), ("enc_to_dec.bias", [DD]), ("mask_patch", [DD])]
for i in range(DDEPTH):
    l = f"transformer.layers.{i}."
    decoder += [(l + "0.norm.weight", [DD]), (l + "0.norm.bias", [DD]), (l + "0.to_qkv.weight", [3 * DD, DD]), (l + "0.to_out.weight", [DD, DD]),
                (l + "1.net.0.weight", [DD]), (l + "1.net.0.bias", [DD]), (l + "1.net.1.weight", [4 * DD, DD]), (l + "1.net.1.bias", [4 * DD]),
                (l + "1.net.3.weight", [DD, 4 * DD]), (l + "1.net.3.bias", [DD])]
decoder += [("transformer.norm.weight", [DD]), ("transformer.norm.bias", [DD])]
for platform, bands in [("sentinel-2-l2a", 10), ("sentinel-1-rtc", 2), ("landsat-c2l2-sr", 6), ("naip", 4), ("modis", 7), ("linz", 3)]:
    decoder += [(f"embed_to_pixels.{platform}.weight", [P * P * bands, DD]), (f"embed_to_pixels.{platform}.bias", [P * P * bands])]
proj = [("weight", [TD, D]), ("bias", [TD])]


def random(shape):
    fan_in = shape[-1] if len(shape) > 1 else 1
    return (torch.rand(shape, generator=g) * 2 - 1) * (1 / fan_in ** 0.5 if len(shape) > 1 else 0.1)


state = collections.OrderedDict()
for k, s in encoder:
    state["model.encoder." + k] = random(s)
for k, s in teacher:
    state["model.teacher." + k] = torch.empty(s)
for k, s in proj:
    state["model.proj." + k] = torch.empty(s)
for k, s in decoder:
    state["model.decoder." + k] = torch.empty(s)
state._metadata = collections.OrderedDict([("", {"version": 1})])

trainable = [k for k in state if not k.startswith("model.teacher.")]
opt_state = {i: {"step": torch.tensor(float(1000)), "exp_avg": torch.empty(state[k].shape), "exp_avg_sq": torch.empty(state[k].shape)}
             for i, k in enumerate(trainable)}
ckpt = {
    "epoch": 99, "global_step": 180000, "pytorch-lightning_version": "2.1.0",
    "state_dict": state,
    "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 100, "completed": 99}}}},
    "callbacks": {"ModelCheckpoint{'monitor': 'val/loss', 'mode': 'min'}": {"best_model_score": torch.tensor(0.3), "best_model_path": "checkpoints/last.ckpt"}},
    "optimizer_states": [{"state": opt_state, "param_groups": [{"lr": 5e-6, "betas": (0.9, 0.95), "weight_decay": 0.05, "params": list(range(len(trainable)))}]}],
    "lr_schedulers": [{"T_0": 1000, "T_mult": 2, "eta_min": 5e-7, "last_epoch": 180000}],
    "hparams_name": "kwargs",
    "hyper_parameters": {"model_size": "large" if full else "synthetic-small", "mask_ratio": 0.75, "norm_pix_loss": False, "patch_size": 8, "shuffle": True,
                         "metadata_path": "configs/metadata.yaml", "teacher": "vit_large_patch14_reg4_dinov2.lvd142m",
                         "dolls": [16, 32, 64, 128, 256, 768, 1024], "doll_weights": [1] * 7, "lr": 5e-6, "wd": 0.05, "b1": 0.9, "b2": 0.95,
                         "embeddings_level": "mean", **({} if full else {"heads": 4})},
}
os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
torch.save(ckpt, a.out)
count = lambda spec: sum(torch.Size(s).numel() for _, s in spec)
print(json.dumps({"path": a.out, "bytes": os.path.getsize(a.out), "scale": a.scale, "encoderKeys": len(encoder), "stateDictKeys": len(state),
                  "optimizerTensors": 2 * len(trainable), "encoderParams": count(encoder), "teacherParams": count(teacher),
                  "decoderParams": count(decoder), "projParams": count(proj)}))
