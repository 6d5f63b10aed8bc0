"""Write a fake Clay v0 Lightning checkpoint with the released encoder's shapes (dim 768, depth 12,
MLP 3072, 6 band groups, patch 32; ~345 MB of float32 encoder weights, random values) plus a
model.decoder.* block the encoder load must skip. For measuring the encoder cache; not run in CI.
  /usr/bin/python3 test/bench/make-full-size-v0.py <out.ckpt> [decoder MB=64]"""
import sys
from collections import OrderedDict
import torch

out = sys.argv[1]
decoder_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 64
D, DEPTH, MLP, P = 768, 12, 3072, 32
GROUPS = [("rgb", 3), ("rededge", 4), ("nir", 1), ("swir", 2), ("sar", 2), ("dem", 1)]
torch.manual_seed(0)
sd = OrderedDict()
p = "model.encoder."


def lin(key, o, i, bias=True, shape=None):
    sd[f"{p}{key}.weight"] = (torch.rand(*(shape or (o, i))) * 2 - 1) / i ** 0.5
    if bias:
        sd[f"{p}{key}.bias"] = (torch.rand(o) * 2 - 1) / i ** 0.5


def ln(key):
    sd[f"{p}{key}.weight"] = torch.ones(D)
    sd[f"{p}{key}.bias"] = torch.zeros(D)


lin("latlon_embedding", D, 2)
lin("time_embedding", D, 3)
for name, c in GROUPS:
    lin(f"patch_embedding.{name}.proj", D, c * P * P, shape=(D, c, P, P))
    ln(f"patch_embedding.{name}.norm")
ln("transformer.norm")
for i in range(DEPTH):
    ln(f"transformer.layers.{i}.0.norm")
    lin(f"transformer.layers.{i}.0.to_qkv", 3 * D, D, bias=False)
    lin(f"transformer.layers.{i}.0.to_out.0", D, D)
    ln(f"transformer.layers.{i}.1.net.0")
    lin(f"transformer.layers.{i}.1.net.1", MLP, D)
    lin(f"transformer.layers.{i}.1.net.4", D, MLP)
sd["model.decoder.blob"] = torch.rand(decoder_mb * 1024 * 1024 // 4)
encoder_bytes = sum(v.numel() * 4 for k, v in sd.items() if k.startswith(p))
torch.save({"state_dict": sd, "epoch": 7, "hyper_parameters": {"lr": 1e-4}}, out)
print(f"{out}: encoder {encoder_bytes / 1e6:.1f} MB in {sum(k.startswith(p) for k in sd)} tensors")
