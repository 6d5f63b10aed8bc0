import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckpointError, TorchCheckpoint, readStateDict, writeStateDict } from '../../src-main/engine/torch/checkpoint.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';
import { has, SYSTEM_PYTHON } from '../helpers/references.ts';
import type { TensorRecord } from '../../src-main/engine/compute/tensor-record.ts';

const PYTHON = SYSTEM_PYTHON;
const REFERENCE = resolve(repoRoot, 'test/fixtures/torch/torch_reference.py');
const hasTorch = has('torch');
if (!hasTorch) console.warn('[skipped] torch reference tests: /usr/bin/python3 with torch and numpy is not available');
reportSkippedWithoutShared('torch checkpoint fixtures');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'floodlens-torch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function python(...args: string[]): string {
  const run = spawnSync(PYTHON, [REFERENCE, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`torch_reference.py ${args[0]} failed: ${run.stderr}`);
  return run.stdout;
}

interface Reference {
  tensors: { key: string; dtype: string; shape: number[]; offset: number; numel: number }[];
  metadata: Record<string, unknown>;
}

/** torch.load the file in Python and return its tensors (float32, C order) and metadata. */
function torchReference(path: string, prefix = ''): { index: Reference; values: Map<string, Float32Array> } {
  const bin = join(dir, `ref-${Math.random().toString(36).slice(2)}.bin`);
  const index = JSON.parse(python('dump', path, bin, prefix)) as Reference;
  const bytes = readFileSync(bin);
  const values = new Map<string, Float32Array>();
  for (const t of index.tensors) {
    values.set(t.key, new Float32Array(bytes.buffer.slice(bytes.byteOffset + t.offset, bytes.byteOffset + t.offset + 4 * t.numel)));
  }
  rmSync(bin);
  return { index, values };
}

/** Every tensor of `path` (with `prefix`) must equal torch's, bit for bit, in the same order. */
async function expectSameAsTorch(path: string, prefix = ''): Promise<TorchCheckpoint> {
  const ref = torchReference(path, prefix);
  const checkpoint = await TorchCheckpoint.open(path);
  const ours = checkpoint.tensors().filter((t) => t.key.startsWith(prefix));
  expect(ours.map((t) => [t.key, t.dtype, t.shape])).toEqual(ref.index.tensors.map((t) => [t.key, t.dtype, t.shape]));
  for (const { key } of ours) {
    const data = await checkpoint.readFloat32(key);
    const expected = ref.values.get(key)!;
    expect(data.length, key).toBe(expected.length);
    expect(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(Buffer.from(expected.buffer)),
      `${key} differs from torch`,
    ).toBe(true);
  }
  return checkpoint;
}

async function expectCheckpointError(path: string, message: RegExp): Promise<CheckpointError> {
  const error = await TorchCheckpoint.open(path).then(
    async (c) => {
      await c.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as CheckpointError).file).toBe(path);
  expect((error as CheckpointError).message).toMatch(message);
  return error as CheckpointError;
}

describe.skipIf(!hasShared)('seed-net state dicts', () => {
  for (const [net, jsonKey] of [
    ['scratch-net', 'scratch_net'],
    ['finetune-decoder', 'finetune_decoder'],
  ] as const) {
    it(`${net}.pt: keys, shapes and float64 sums match the fixture index`, async () => {
      const index = JSON.parse(readFileSync(sharedFixture('seed-nets', 'seed-nets.json'), 'utf8'));
      const expected = index[jsonKey].params_initial.tensors as { key: string; shape: number[]; sum: number; max_abs: number }[];
      const tensors = await readStateDict(sharedFixture('seed-nets', `${net}.pt`));
      expect([...tensors.keys()]).toEqual(expected.map((t) => t.key));
      for (const t of expected) {
        const { shape, data } = tensors.get(t.key)!;
        expect(shape).toEqual(t.shape);
        let sum = 0;
        let maxAbs = 0;
        for (const v of data) {
          sum += v;
          maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        expect(sum).toBeCloseTo(t.sum, 9);
        expect(maxAbs).toBe(Math.fround(t.max_abs));
      }
    });

    it.skipIf(!hasTorch)(`${net}.pt: every tensor equals torch.load`, async () => {
      const checkpoint = await expectSameAsTorch(sharedFixture('seed-nets', `${net}.pt`));
      expect(checkpoint.metadata()).toEqual({});
      await checkpoint.close();
    });
  }
});

describe.skipIf(!hasShared || !hasTorch)('Clay Lightning checkpoints', () => {
  for (const [folder, file] of [
    ['clay-v0', 'clay-v0-tiny.ckpt'],
    ['clay-v1.5', 'clay-v1.5-tiny.ckpt'],
  ]) {
    it(`${file}: encoder tensors equal torch.load, metadata is the plain extras`, async () => {
      const path = sharedFixture(folder, file);
      const checkpoint = await expectSameAsTorch(path, 'model.encoder.');
      const fixture = JSON.parse(readFileSync(sharedFixture(folder, file.replace('.ckpt', '.json')), 'utf8'));
      // the fixture's own index (v0: a list, v1.5: { keys: [...] }) agrees on keys, order, shapes, dtypes
      const listed = (Array.isArray(fixture.state_dict) ? fixture.state_dict : fixture.state_dict.keys) as {
        key: string;
        shape: number[];
        dtype: string;
      }[];
      expect(checkpoint.tensors()).toEqual(listed.map(({ key, dtype, shape }) => ({ key, dtype, shape })));
      const metadata = checkpoint.metadata();
      expect(metadata).toEqual(torchReference(path, 'none.').index.metadata);
      expect(metadata.epoch).toBe(0);
      expect(metadata.global_step).toBe(0);
      expect((metadata.hyper_parameters as Record<string, unknown>).model_size).toBe('fixture-tiny');
      expect(() => checkpoint.info('model.encoder.nope')).toThrow(CheckpointError);
      await expect(checkpoint.readFloat32('nope')).rejects.toThrow(/has no tensor nope/);
      await checkpoint.close();
      await checkpoint.close();
      await expect(checkpoint.readFloat32(checkpoint.tensors()[0].key)).rejects.toThrow(/is closed/);
    });
  }
});

describe.skipIf(!hasTorch)('dtypes, views and Lightning metadata made by torch', () => {
  it('decodes every dtype and strided view exactly as torch .float().contiguous()', async () => {
    const path = join(dir, 'layouts.ckpt');
    python('make-layouts', path);
    const checkpoint = await expectSameAsTorch(path);
    const dtypes = Object.fromEntries(checkpoint.tensors().map((t) => [t.key, t.dtype]));
    expect(dtypes).toMatchObject({
      f16: 'float16',
      bf16: 'bfloat16',
      f64: 'float64',
      i64: 'int64',
      bool: 'bool',
      u8: 'uint8',
      transposed: 'float32',
    });
    expect(checkpoint.info('scalar').shape).toEqual([]);
    expect(await checkpoint.readFloat32('empty')).toHaveLength(0);
    const metadata = checkpoint.metadata();
    expect(metadata).toEqual(torchReference(path, 'none.').index.metadata);
    // numpy scalars, argparse.Namespace and pathlib become plain data
    expect(metadata.global_step).toBe(1200);
    expect(metadata.hyper_parameters).toEqual({ lr: 0.001, layers: [2, 3], name: 'tiny', path: '/data/x' });
    await checkpoint.close();
  });

  it('reads DEFLATE-compressed records', async () => {
    const path = join(dir, 'layouts.ckpt');
    const deflated = join(dir, 'layouts-deflated.ckpt');
    python('deflate', path, deflated);
    expect(statSync(deflated).size).toBeLessThan(statSync(path).size);
    const a = await readStateDict(path);
    const b = await readStateDict(deflated);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [key, t] of a) expect(b.get(key)!.data, key).toEqual(t.data);
  });
});

describe.skipIf(!hasTorch)('writeStateDict', () => {
  const tensors = new Map<string, TensorRecord>([
    ['conv.weight', { shape: [4, 3, 3, 3], data: Float32Array.from({ length: 108 }, (_, i) => Math.sin(i) * 0.1) }],
    ['conv.bias', { shape: [4], data: Float32Array.from([1.5, -2, 3e-8, 1e30]) }],
    ['scalar', { shape: [], data: Float32Array.from([7]) }],
    ['empty', { shape: [0, 2], data: new Float32Array(0) }],
    ['big.Ünïcode', { shape: [70000], data: Float32Array.from({ length: 70000 }, (_, i) => i - 35000.5) }],
  ]);

  for (const forceZip64 of [false, true]) {
    it(`writes a file torch 1.13 loads with identical values${forceZip64 ? ' (ZIP64 records)' : ''}`, async () => {
      const path = join(dir, `written${forceZip64 ? '-zip64' : ''}.pt`);
      await writeStateDict(path, tensors, { forceZip64 });
      expect(python('testzip', path).trim()).toBe('OK');
      const ref = torchReference(path);
      expect(ref.index.tensors.map((t) => [t.key, t.dtype, t.shape])).toEqual([...tensors].map(([k, t]) => [k, 'float32', t.shape]));
      for (const [key, t] of tensors) expect(ref.values.get(key), key).toEqual(t.data);
      // and our own reader agrees; storages are 64-byte aligned as torch writes them
      const back = await readStateDict(path);
      for (const [key, t] of tensors) expect(back.get(key)!.data, key).toEqual(t.data);
      const bytes = readFileSync(path);
      const at = bytes.indexOf(Buffer.from('archive/data/0')) + 'archive/data/0'.length;
      const extra = bytes.readUInt16LE(at - 'archive/data/0'.length - 2);
      expect((at + extra) % 64).toBe(0);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('replaces an existing file atomically and reports bad input as CheckpointError', async () => {
    const path = join(dir, 'replace.pt');
    writeFileSync(path, 'old');
    await writeStateDict(path, new Map([['w', { shape: [2], data: Float32Array.from([1, 2]) }]]));
    expect((await readStateDict(path)).get('w')!.data).toEqual(Float32Array.from([1, 2]));
    await expect(writeStateDict(path, new Map([['w', { shape: [3], data: Float32Array.from([1, 2]) }]]))).rejects.toThrow(CheckpointError);
    expect((await readStateDict(path)).get('w')!.data).toEqual(Float32Array.from([1, 2]));
    await expect(writeStateDict(join(dir, 'missing-dir', 'x.pt'), tensors)).rejects.toThrow(CheckpointError);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe.skipIf(!hasTorch)('untrusted input', () => {
  for (const [variant, global] of [
    ['os-system', 'os.system'],
    ['builtins-eval', 'builtins.eval'],
    ['nested-popen', 'subprocess.Popen'],
  ]) {
    it(`refuses a pickle referencing ${global} without running it`, async () => {
      const path = join(dir, `evil-${variant}.pt`);
      const marker = join(dir, `pwned-${variant}`);
      python('make-evil', path, variant, marker);
      const error = await expectCheckpointError(path, new RegExp(`refuses global ${global.replace('.', '\\.')}`));
      expect(error.message).toContain(path);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('opens a checkpoint whose metadata is a shared-reference bomb, quickly and with bounded metadata', async () => {
    const path = join(dir, 'bomb.ckpt');
    python('make-bomb', path);
    const started = Date.now();
    const checkpoint = await TorchCheckpoint.open(path);
    const metadata = checkpoint.metadata();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(JSON.stringify(metadata).length).toBeLessThan(2_000_000);
    expect(metadata.epoch).toBe(1);
    expect(await checkpoint.readFloat32('w')).toEqual(Float32Array.from([1, 1, 1]));
    await checkpoint.close();
  });

  it.skipIf(!hasShared)('rejects truncated, empty and non-torch files with CheckpointError', async () => {
    const source = sharedFixture('seed-nets', 'scratch-net.pt');
    const size = statSync(source).size;
    for (const keep of [0, 10, 1000, Math.floor(size / 2), size - 30, size - 1]) {
      const path = join(dir, `truncated-${keep}.pt`);
      copyFileSync(source, path);
      truncateSync(path, keep);
      await expectCheckpointError(path, /./);
    }
    const garbage = join(dir, 'garbage.pt');
    writeFileSync(garbage, Buffer.alloc(5000, 0x41));
    await expectCheckpointError(garbage, /not a zip archive/);
    await expectCheckpointError(join(dir, 'does-not-exist.pt'), /cannot open/);
  });

  it.skipIf(!hasShared)('rejects a storage record cut short inside an otherwise valid zip', async () => {
    // Rewrite the archive with one storage record halved: the zip is consistent, the tensor is not.
    const path = join(dir, 'short-storage.pt');
    const script = `import zipfile,sys
src=zipfile.ZipFile(sys.argv[1]); out=zipfile.ZipFile(sys.argv[2],'w')
for n in src.namelist():
    d=src.read(n); out.writestr(n, d[:len(d)//2] if n=='archive/data/2' else d)
out.close()`;
    const run = spawnSync(PYTHON, ['-c', script, sharedFixture('seed-nets', 'scratch-net.pt'), path], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    await expectCheckpointError(path, /tensor encoder\.2\.weight: storage record archive\/data\/2 has 73728 bytes, needs 147456/);
  });

  it('rejects unsafe record names and zips that are not torch checkpoints', async () => {
    const script = `import zipfile,sys
with zipfile.ZipFile(sys.argv[1],'w') as z:
    z.writestr('archive/data.pkl', b'\\x80\\x02}q\\x00.'); z.writestr('../evil', b'x')
with zipfile.ZipFile(sys.argv[2],'w') as z:
    z.writestr('readme.txt', b'hello')`;
    const traversal = join(dir, 'traversal.pt');
    const plainZip = join(dir, 'plain.zip');
    const run = spawnSync(PYTHON, ['-c', script, traversal, plainZip], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    await expectCheckpointError(traversal, /unsafe name "\.\.\/evil"/);
    await expectCheckpointError(plainZip, /not a torch checkpoint/);
  });
});

describe.skipIf(!hasTorch)('memory', () => {
  it('reads one small tensor from a large file without loading the large one', async () => {
    const path = join(dir, 'big.pt');
    const sums = JSON.parse(python('make-big', path, '48')) as { small_sum: number; big_sum: number };
    const checkpoint = await TorchCheckpoint.open(path);
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const small = await checkpoint.readFloat32('small');
    const afterSmall = process.memoryUsage().arrayBuffers;
    expect(afterSmall - before).toBeLessThan(4 * 1024 * 1024);
    expect(small.reduce((a, b) => a + b, 0)).toBeCloseTo(sums.small_sum, 3);
    const big = await checkpoint.readFloat32('big');
    const grown = process.memoryUsage().arrayBuffers - before;
    // float32 is viewed in place: one copy of the tensor, not two
    expect(grown).toBeGreaterThan(big.byteLength * 0.8);
    expect(grown).toBeLessThan(big.byteLength * 1.5);
    let sum = 0;
    for (const v of big) sum += v;
    expect(sum).toBeCloseTo(sums.big_sum, 0);
    await checkpoint.close();
  });
});
