"""Writes a torch-format checkpoint (zip: data.pkl + data/0, as torch.save lays it out) holding one float32
zero tensor of N elements whose storage record is DEFLATE-compressed: 800 MB of zeros fit in < 1 MB.
The pickle is torch's own protocol (persistent storage ids, torch._utils._rebuild_tensor_v2), written
without allocating the tensor. Usage: python3 zero_tensor_checkpoint.py OUT N"""
import collections
import io
import pickle
import sys
import zipfile

import torch

out, n = sys.argv[1], int(sys.argv[2])


class StorageRef:
    pass


class ZeroTensor:
    def __reduce_ex__(self, protocol):
        return (torch._utils._rebuild_tensor_v2, (StorageRef(), 0, (n,), (1,), False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            return ('storage', torch.FloatStorage, '0', 'cpu', n)
        return None


buffer = io.BytesIO()
TorchPickler(buffer, protocol=2).dump(collections.OrderedDict([('bomb.weight', ZeroTensor())]))
with zipfile.ZipFile(out, 'w') as archive:
    archive.writestr('archive/data.pkl', buffer.getvalue())
    archive.writestr('archive/version', '3\n')
    info = zipfile.ZipInfo('archive/data/0')
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, 'w') as record:
        chunk = bytes(1 << 22)
        left = n * 4
        while left > 0:
            record.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
