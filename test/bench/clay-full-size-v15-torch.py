"""Same-shaped computation as clay-full-size-v15.ts in PyTorch (CPU, float32, no Clay code): wavelength
posemb -> FCBlock -> one post-norm TransformerEncoderLayer over [128 weight tokens; waves; bias token]
-> generated 8x8 patch kernel -> stride-8 conv -> + encodings -> cls -> K pre-norm ViT blocks
(dim 1024, 16 heads, MLP 4096, exact GELU) -> final LayerNorm, on one SxS chip.
  /usr/bin/python3 test/bench/clay-full-size-v15-torch.py [size=256] [chips=2] [layers=24] [threads=1] [bands=10]
Prints one JSON line: seconds per chip (and extrapolated to 24 layers) and peak RSS."""
import json, math, resource, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

size = int(sys.argv[1]) if len(sys.argv) > 1 else 256
chips = int(sys.argv[2]) if len(sys.argv) > 2 else 2
layers = int(sys.argv[3]) if len(sys.argv) > 3 else 24
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
bands = int(sys.argv[5]) if len(sys.argv) > 5 else 10
torch.set_num_threads(threads)
torch.manual_seed(0)
D, HEADS, MLP, P, E, T = 1024, 16, 4096, 8, 128, 128
WAVES = [3.5, 4.0] if bands == 2 else [0.493, 0.56, 0.665, 0.704, 0.74, 0.783, 0.842, 0.865, 1.61, 2.19][:bands]


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.qkv, self.out = nn.LayerNorm(D), nn.Linear(D, 3 * D, bias=False), nn.Linear(D, D, bias=False)
        self.n2, self.f1, self.f2 = nn.LayerNorm(D), nn.Linear(D, MLP), nn.Linear(MLP, D)

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = self.qkv(self.n1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, HEADS, D // HEADS).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(q @ k.transpose(-1, -2) * (D // HEADS) ** -0.5, dim=-1) @ v
        x = x + self.out(a.transpose(1, 2).reshape(b, n, D))
        return x + self.f2(F.gelu(self.f1(self.n2(x))))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(E, E), nn.Linear(E, E)
        self.weight_tokens, self.bias_token = nn.Parameter(torch.randn(T, E) * 0.02), nn.Parameter(torch.randn(1, E) * 0.02)
        self.wavegen = nn.TransformerEncoderLayer(E, 4, 2048, 0.0, "gelu", batch_first=True)
        self.fc_weight, self.fc_bias = nn.Linear(E, P * P * D), nn.Linear(E, D)
        self.cls = nn.Parameter(torch.randn(1, 1, D) * 0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(layers))
        self.final = nn.LayerNorm(D)

    def forward(self, pixels, waves, enc):
        b, c = pixels.shape[:2]
        omega = 1.0 / 10000 ** (torch.arange(E // 2) / (E // 2 - 1))
        x = waves[:, None] * omega[None]
        pe = torch.cat([x.sin(), x.cos()], 1)
        fc = pe + F.gelu(self.l2(F.gelu(self.l1(pe))))
        tokens = torch.cat([self.weight_tokens, fc, self.bias_token], 0)
        out = self.wavegen(tokens[None])[0]
        weight = self.fc_weight(out[T:T + c] + tokens[T:T + c])
        bias = self.fc_bias(out[-1])
        kernel = weight.reshape(c, D, P, P).transpose(0, 1) * 0.02
        patches = F.conv2d(pixels, kernel, bias, stride=P).flatten(2).transpose(1, 2) + enc
        x = torch.cat([self.cls.expand(b, 1, D), patches], 1)
        for blk in self.blocks:
            x = blk(x)
        return self.final(x)


model = Encoder().eval()
g = size // P
pixels, waves, enc = torch.randn(1, len(WAVES), size, size), torch.tensor(WAVES), torch.randn(1, g * g, D) * 0.5
times = []
with torch.inference_mode():
    for _ in range(chips):
        t0 = time.perf_counter()
        out = model(pixels, waves, enc)
        times.append(time.perf_counter() - t0)
timed = sorted(times[1:] if len(times) > 1 else times)  # the first chip warms up
median = timed[len(timed) // 2]
print(json.dumps({"bench": "clay-v1.5-full-size-torch", "torch": torch.__version__, "threads": threads, "size": size, "bands": len(WAVES),
                  "layersMeasured": layers, "secondsPerChip": [round(t, 2) for t in times], "medianSecondsPerChip": round(median, 2),
                  "secondsPerChip24Layers": round(median * 24 / layers, 1), "extrapolated": layers < 24, "tokens": list(out.shape),
                  "finite": bool(torch.isfinite(out).all()), "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
