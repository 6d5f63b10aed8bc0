import { CheckpointError } from './errors.ts';
import { writeZipAtomic, type ZipRecord, type ZipWriteOptions } from './zip-writer.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';

const ARCHIVE = 'archive';

/**
 * Save float32 tensors as `torch.save(OrderedDict)` would in torch 1.13: `archive/data.pkl`
 * (pickle protocol 2, `_rebuild_tensor_v2` with persistent storage ids), one `archive/data/<n>`
 * storage per tensor, and `archive/version` = "3". Atomic (temporary file + rename).
 */
export async function writeStateDict(path: string, tensors: Map<string, TensorRecord>, options: ZipWriteOptions = {}): Promise<void> {
  const entries = [...tensors];
  for (const [key, tensor] of entries) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (tensor.shape.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw new CheckpointError(path, `tensor ${key} has a bad shape [${tensor.shape.join(',')}]`);
    if (!(tensor.data instanceof Float32Array)) throw new CheckpointError(path, `tensor ${key} is not a Float32Array`);
    if (tensor.data.length !== count) {
      throw new CheckpointError(path, `tensor ${key} has ${tensor.data.length} values for shape [${tensor.shape.join(',')}]`);
    }
  }
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const records: ZipRecord[] = [
    { name: `${ARCHIVE}/data.pkl`, chunks: [statePickle(entries.map(([key, t]) => ({ key, shape: t.shape, numel: t.data.length })))] },
    ...entries.map(([, tensor], i): ZipRecord => ({ name: `${ARCHIVE}/data/${i}`, chunks: [littleEndianBytes(tensor.data, little)] })),
    { name: `${ARCHIVE}/version`, chunks: [new TextEncoder().encode('3\n')] },
  ];
  try {
    await writeZipAtomic(path, records, options);
  } catch (err) {
    throw new CheckpointError(path, `cannot write: ${(err as Error).message}`, { cause: err });
  }
}

function littleEndianBytes(data: Float32Array, hostIsLittle: boolean): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (hostIsLittle) return bytes;
  const copy = new Uint8Array(bytes);
  for (let i = 0; i < copy.length; i += 4) copy.subarray(i, i + 4).reverse();
  return copy;
}

/** Pickle protocol 2 bytes, built opcode by opcode. */
class PickleBuilder {
  private parts: number[] = [];
  private readonly text = new TextEncoder();

  op(code: number): this {
    this.parts.push(code);
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63);
    for (const b of this.text.encode(`${module}\n${name}\n`)) this.parts.push(b);
    return this;
  }
  string(value: string): this {
    const bytes = this.text.encode(value);
    this.op(0x58).u32(bytes.length);
    for (const b of bytes) this.parts.push(b);
    return this;
  }
  int(value: number): this {
    if (value >= 0 && value < 256) return this.op(0x4b).op(value);
    if (value >= 0 && value < 65536)
      return this.op(0x4d)
        .op(value & 0xff)
        .op(value >> 8);
    if (value >= -(2 ** 31) && value < 2 ** 31) return this.op(0x4a).u32(value >>> 0);
    // LONG1: little-endian two's complement
    let v = BigInt(value);
    const bytes: number[] = [];
    while (true) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
      const sign = bytes[bytes.length - 1] & 0x80;
      if ((v === 0n && !sign) || (v === -1n && sign)) break;
    }
    this.op(0x8a).op(bytes.length);
    for (const b of bytes) this.parts.push(b);
    return this;
  }
  tuple(values: readonly number[]): this {
    if (values.length === 0) return this.op(0x29);
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
  u32(value: number): this {
    this.parts.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function statePickle(tensors: { key: string; shape: number[]; numel: number }[]): Uint8Array {
  const p = new PickleBuilder();
  p.op(0x80).op(2); // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29).op(0x52); // OrderedDict()
  p.op(0x28); // MARK for SETITEMS
  tensors.forEach(({ key, shape, numel }, i) => {
    const stride = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.string(key);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // args
    p.op(0x28).string('storage').global('torch', 'FloatStorage').string(String(i)).string('cpu').int(numel).op(0x74);
    p.op(0x51); // BINPERSID
    p.int(0).tuple(shape).tuple(stride).op(0x89); // offset, size, stride, requires_grad=False
    p.global('collections', 'OrderedDict').op(0x29).op(0x52); // backward_hooks
    p.op(0x74).op(0x52); // TUPLE, REDUCE
  });
  p.op(0x75); // SETITEMS
  p.op(0x2e); // STOP
  return p.bytes();
}
