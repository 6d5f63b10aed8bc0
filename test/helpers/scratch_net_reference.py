"""PyTorch 1.13 reference for the scratch net on a crop of its seed-nets fixture (parity-seed-nets.suite.ts).

Builds the net exactly as ../shared/fixtures/seed-nets/README.md prints it, loads scratch-net.pt (strict), crops the
fixture's input and label to [top:top+size, left:left+size], then writes float32 files to OUT_DIR: logits, loss, the
gradients of step 1 and the parameters after one Adam step (lr 1e-3, eps 1e-8), then logits, loss, gradients and
parameters of a second step, all packed in state-dict order. Prints the index as JSON.

usage: scratch_net_reference.py FIXTURE_DIR OUT_DIR TOP LEFT SIZE
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

fixture_dir, out_dir, top, left, size = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
torch.set_num_threads(1)


class ScratchNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(13, 64, 3, 1, 1), nn.ReLU(inplace=True), nn.Conv2d(64, 64, 3, 1, 1),
                                     nn.ReLU(inplace=True), nn.MaxPool2d(2, 2))
        self.decoder = nn.Sequential(nn.ConvTranspose2d(64, 128, 3, 1, 1), nn.ReLU(inplace=True),
                                     nn.ConvTranspose2d(128, 512, 3, 1, 1), nn.ReLU(inplace=True),
                                     nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(512, 1, 3, 1, 1))

    def forward(self, x):
        return self.decoder(self.encoder(x))


net = ScratchNet()
net.load_state_dict(torch.load(f'{fixture_dir}/scratch-net.pt'), strict=True)
full = np.fromfile(f'{fixture_dir}/scratch-net.input.f32.bin', dtype='<f4').reshape(1, 13, 128, 128)
labels = np.fromfile(f'{fixture_dir}/scratch-net.label.u8.bin', dtype=np.uint8).reshape(1, 1, 128, 128)
x = torch.from_numpy(np.ascontiguousarray(full[:, :, top:top + size, left:left + size]))
y = torch.from_numpy(np.ascontiguousarray(labels[:, :, top:top + size, left:left + size]).astype(np.float32))
index = {'shape': [1, 13, size, size], 'keys': [k for k, _ in net.named_parameters()]}


def save(name, tensors):
    array = np.concatenate([t.detach().numpy().astype('<f4').ravel() for t in tensors])
    array.tofile(f'{out_dir}/{name}.f32.bin')
    index[name] = f'{name}.f32.bin'


x.numpy().astype('<f4').tofile(f'{out_dir}/input.f32.bin')
y.numpy().astype(np.uint8).tofile(f'{out_dir}/label.u8.bin')
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, foreach=False)
for step in (1, 2):
    optimizer.zero_grad()
    logits = net(x)
    loss = F.binary_cross_entropy_with_logits(logits, y)
    loss.backward()
    save(f'logits{step}', [logits])
    index[f'loss{step}'] = loss.item()
    save(f'grads{step}', [p.grad for p in net.parameters()])
    optimizer.step()
    save(f'params{step}', list(net.parameters()))
print(json.dumps(index))
