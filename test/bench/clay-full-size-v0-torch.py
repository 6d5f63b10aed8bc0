"""Same-shaped computation as clay-full-size-v0.ts in PyTorch (CPU, float32, no Clay code): per-group
patch conv + LayerNorm, fixed encodings added, latlon/time tokens, 12 pre-norm ViT blocks
(dim 768, 12 heads, MLP 3072, exact GELU), final LayerNorm, on one 512x512 13-band chip.
  /usr/bin/python3 test/bench/clay-full-size-v0-torch.py [chips=3] [threads=1]
Prints one JSON line: seconds per chip and peak RSS."""
import json, resource, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

chips = int(sys.argv[1]) if len(sys.argv) > 1 else 3
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
D, DEPTH, HEADS, MLP, P = 768, 12, 12, 3072, 32
GROUPS = [(2, 1, 0), (3, 4, 5, 7), (6,), (8, 9), (10, 11), (12,)]


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.qkv, self.out = nn.LayerNorm(D), nn.Linear(D, 3 * D, bias=False), nn.Linear(D, D)
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
        self.proj = nn.ModuleList(nn.Conv2d(len(g), D, P, P) for g in GROUPS)
        self.norm = nn.ModuleList(nn.LayerNorm(D) for _ in GROUPS)
        self.latlon, self.time = nn.Linear(2, D), nn.Linear(3, D)
        self.blocks = nn.ModuleList(Block() for _ in range(DEPTH))
        self.final = nn.LayerNorm(D)
        self.register_buffer("enc", torch.randn(len(GROUPS), 256, D) * 0.5)

    def forward(self, pixels, latlon, timestep):
        b = pixels.shape[0]
        groups = [self.norm[i](self.proj[i](pixels[:, list(g)]).flatten(2).transpose(1, 2)) for i, g in enumerate(GROUPS)]
        x = (torch.stack(groups, 1) + self.enc).reshape(b, -1, D)
        x = torch.cat([x, self.latlon(latlon)[:, None], self.time(timestep)[:, None]], 1)
        for blk in self.blocks:
            x = blk(x)
        return self.final(x)


model = Encoder().eval()
pixels, latlon, ts = torch.randn(1, 13, 512, 512), torch.randn(1, 2), torch.randn(1, 3)
times = []
with torch.inference_mode():
    for _ in range(chips):
        t0 = time.perf_counter()
        out = model(pixels, latlon, ts)
        times.append(time.perf_counter() - t0)
print(json.dumps({"torch": torch.__version__, "threads": threads, "secondsPerChip": [round(t, 2) for t in times],
                  "medianSecondsPerChip": round(sorted(times)[len(times) // 2], 2), "tokens": list(out.shape),
                  "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
