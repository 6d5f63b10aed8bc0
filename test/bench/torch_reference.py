"""PyTorch reference for `npm run bench`: the seed's two nets, same shapes, timed the same way.

Prints one JSON object: {"torch": version, "threads": n, "cases": {name: {"trainMs": median, "inferMs": median}}}.
"""
import json
import sys
import time

import torch
from torch import nn


def decoder(channels=4608):
    return nn.Sequential(
        nn.Conv2d(channels, 64, 1), nn.Upsample(scale_factor=2),
        nn.ConvTranspose2d(64, 32, 3, 1, 1), nn.ReLU(inplace=True), nn.Upsample(scale_factor=2),
        nn.ConvTranspose2d(32, 16, 3, 1, 1), nn.ReLU(inplace=True), nn.Upsample(scale_factor=2),
        nn.ConvTranspose2d(16, 8, 3, 1, 1), nn.ReLU(inplace=True), nn.Upsample(scale_factor=2),
        nn.ConvTranspose2d(8, 1, 3, 1, 1), nn.Upsample(scale_factor=2))


def scratch(channels=13):
    return nn.Sequential(
        nn.Conv2d(channels, 64, 3, 1, 1), nn.ReLU(inplace=True), nn.Conv2d(64, 64, 3, 1, 1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
        nn.ConvTranspose2d(64, 128, 3, 1, 1), nn.ReLU(inplace=True), nn.ConvTranspose2d(128, 512, 3, 1, 1), nn.ReLU(inplace=True),
        nn.Upsample(scale_factor=2), nn.Conv2d(512, 1, 3, 1, 1))


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def time_case(model, input_shape, label_size, steps, warmup):
    torch.manual_seed(0)
    x = torch.randn(*input_shape)
    y = (torch.rand(input_shape[0], 1, *label_size) > 0.5).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def infer():
        with torch.no_grad():
            model(x).sum().item()

    for _ in range(warmup):
        train_step()
    train = []
    for _ in range(steps):
        start = time.perf_counter()
        train_step()
        train.append((time.perf_counter() - start) * 1000)
    infer()
    inference = []
    for _ in range(steps):
        start = time.perf_counter()
        infer()
        inference.append((time.perf_counter() - start) * 1000)
    return {"trainMs": median(train), "inferMs": median(inference)}


def main():
    cases = json.loads(sys.argv[1])
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": {}}
    for case in cases:
        model = decoder(case["channels"]) if case["net"] == "decoder" else scratch(case["channels"])
        out["cases"][case["name"]] = time_case(model, case["inputShape"], case["labelSize"], case["steps"], case["warmup"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
