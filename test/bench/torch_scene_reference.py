"""PyTorch sliding-window reference for the scene rows of `npm run bench`: the scratch net (same layers as
test/bench/torch_reference.py, 2 input channels), the same tiling as Floodlens (window, kept centre, reflect
padding), reading the scene strip by strip with rasterio. Prints {"torch", "threads", "seconds", "mpxPerSecond"}.
Usage: torch_scene_reference.py <scene.tif> <window> <margin>
"""
import json
import sys
import time

import numpy as np
import rasterio
import torch
from rasterio.windows import Window

from torch_reference import scratch


def main():
    path, window, margin = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    core = window - 2 * margin
    torch.manual_seed(0)
    net = scratch(2).eval()
    start = time.perf_counter()
    with rasterio.open(path) as src, torch.no_grad():
        width, height = src.width, src.height
        for y in range(0, height, core):
            rows = np.arange(y - margin, y - margin + window)
            rows = np.abs(rows)
            rows = np.where(rows >= height, 2 * (height - 1) - rows, rows)
            r0, r1 = rows.min(), rows.max() + 1
            strip = src.read(window=Window(0, r0, width, r1 - r0)).astype(np.float32)[:, rows - r0, :]
            strip = np.nan_to_num((strip + 15.0) / 5.0)
            for x in range(0, width, core):
                cols = np.abs(np.arange(x - margin, x - margin + window))
                cols = np.where(cols >= width, 2 * (width - 1) - cols, cols)
                tile = torch.from_numpy(np.ascontiguousarray(strip[:, :, cols]))[None]
                torch.sigmoid(net(tile))
    seconds = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds, "mpxPerSecond": width * height / 1e6 / seconds}))


if __name__ == "__main__":
    main()
