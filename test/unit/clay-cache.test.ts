/**
 * Encoder cache (engine/clay/cache): a Clay checkpoint converted once into
 * `<cacheDir>/encoders/<fingerprint>.flck`, later loads served from it, broken cache files rebuilt,
 * changed checkpoints re-converted. Works on copies of the tiny fixture checkpoints in a temp folder.
 *
 * "Served from the cache" is proven without spies: after the first load the copy's bytes are replaced by
 * zeros of the same length and its mtime is restored. The cache keys a source on path + size + mtime
 * (documented), so it still serves the encoder, while any read of the checkpoint itself would fail.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobCancelledError } from '../../src-main/api/jobs.ts';
import { loadClayEncoder, type ClayBatch } from '../../src-main/engine/clay/index.ts';
import {
  cacheFilePath,
  identifyClayEncoderFile,
  readClayEncoderTensors,
  resolveCacheDir,
  setCacheDir,
  ENCODER_CACHE_ENV,
} from '../../src-main/engine/clay/cache/index.ts';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { TorchCheckpoint } from '../../src-main/engine/torch/checkpoint.ts';
import { readTensorFile } from '../../src-main/engine/tensor-file/tensor-file.ts';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('Clay encoder cache (tiny Clay v0 / v1.5 checkpoints)');

const FIXTURES = { v0: sharedFixture('clay-v0', 'clay-v0-tiny.ckpt'), 'v1.5': sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt') };
const work = mkdtempSync(join(tmpdir(), 'floodlens-clay-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let copies = 0;

/** A private copy of a fixture checkpoint (the tests rewrite and re-date it). */
function copyOf(version: keyof typeof FIXTURES): string {
  const path = join(work, `copy-${++copies}-${version}.ckpt`);
  copyFileSync(FIXTURES[version], path);
  // whole seconds, so utimes can restore the mtime exactly (the cache compares mtimeMs)
  const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  utimesSync(path, second, second);
  return path;
}

/** Same size, same mtime, no longer a checkpoint: only a cache keyed on size + mtime can still serve it. */
function zeroKeepingSizeAndMtime(path: string): void {
  const { size, atime, mtime, mtimeMs } = statSync(path);
  writeFileSync(path, new Uint8Array(size));
  utimesSync(path, atime, mtime);
  expect(statSync(path).mtimeMs).toBe(mtimeMs);
}

/** Bitwise equality of float32 arrays (vitest's toEqual walks millions of elements slowly). */
function expectSameFloats(actual: Float32Array | undefined, expected: Float32Array, what: string): void {
  expect(actual, what).toBeDefined();
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  expect(actual!.length, what).toBe(expected.length);
  expect(bytes(actual!).equals(bytes(expected)), `${what}: same float32 bits`).toBe(true);
}

const newCacheDir = () => mkdtempSync(join(work, 'cache-'));
const cacheFiles = (cacheDir: string) =>
  existsSync(join(cacheDir, 'encoders')) ? readdirSync(join(cacheDir, 'encoders')).filter((f) => f !== 'sources') : [];

function batchFor(version: keyof typeof FIXTURES): ClayBatch {
  const f32 = (dir: string, name: string) => {
    const b = readFileSync(sharedFixture(dir, name));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  };
  if (version === 'v0') {
    // the first of the fixture's two chips (exact decode: README)
    const codes = new Int8Array(readFileSync(sharedFixture('clay-v0', 'pixels.int8.bin')).buffer.slice(0, 13 * 512 * 512));
    return {
      pixels: Float32Array.from(codes, (c) => c / 32),
      shape: [1, 13, 512, 512],
      latlon: f32('clay-v0', 'latlon.f32.bin').slice(0, 2),
      time: f32('clay-v0', 'timestep.f32.bin').slice(0, 3),
    };
  }
  const v = (name: string) => f32('clay-v1.5', `s1_${name}.f32.bin`);
  return { pixels: v('pixels'), shape: [2, 2, 64, 64], time: v('time'), latlon: v('latlon'), waves: v('waves'), gsd: v('gsd')[0] };
}

describe.skipIf(!hasShared)('Clay encoder cache', () => {
  beforeAll(async () => {
    await initBackend();
  });

  for (const version of ['v0', 'v1.5'] as const) {
    it(`${version}: the first load writes <cacheDir>/encoders/<fingerprint>.flck with the encoder tensors only, float32, spec, source and fingerprint`, async () => {
      const file = copyOf(version);
      const cacheDir = newCacheDir();
      const direct = await readClayEncoderTensors(file, { cacheDir: null });
      expect(direct.from).toBe('checkpoint');
      expect(direct.cacheFile).toBeNull();
      expect(cacheFiles(cacheDir)).toEqual([]);

      const first = await readClayEncoderTensors(file, { cacheDir });
      expect(first.from).toBe('checkpoint');
      expect(first.fingerprint).toBe(direct.fingerprint);
      expect(first.cacheFile).toBe(cacheFilePath(cacheDir, first.fingerprint));
      expect(cacheFiles(cacheDir)).toEqual([`${first.fingerprint}.flck`]);

      // The .flck container training checkpoints use too: its one reader reads it back as is.
      const { tensors, meta } = await readTensorFile(first.cacheFile!);
      const ckpt = await TorchCheckpoint.open(file);
      try {
        const all = ckpt.tensors().map((t) => t.key);
        if (version === 'v0') expect(all.some((key) => !key.startsWith('model.encoder.'))).toBe(true); // this fixture has a decoder too
        expect([...tensors.keys()]).toEqual(all.filter((key) => key.startsWith('model.encoder.')));
        for (const [key, t] of tensors) {
          expect(t.shape, key).toEqual(ckpt.info(key).shape);
          expectSameFloats(t.data, await ckpt.readFloat32(key), key);
        }
      } finally {
        await ckpt.close();
      }
      const { size, mtimeMs } = statSync(file);
      expect(meta).toMatchObject({
        kind: 'floodlens-clay-encoder',
        formatVersion: 1,
        fingerprint: first.fingerprint,
        spec: { version, description: first.spec.description },
        source: { path: file, size, mtimeMs },
      });
    });

    it(`${version}: a later load reads the cache alone (the checkpoint's bytes zeroed, size and mtime kept) and the encoder's outputs are identical`, async () => {
      const file = copyOf(version);
      const cacheDir = newCacheDir();
      const fromCheckpoint = await loadClayEncoder(file); // no cache involved
      const converting = await loadClayEncoder(file, { cacheDir });
      expect(cacheFiles(cacheDir)).toHaveLength(1);
      zeroKeepingSizeAndMtime(file);
      await expect(loadClayEncoder(file)).rejects.toThrow(); // the checkpoint itself is unreadable now
      const fromCache = await loadClayEncoder(file, { cacheDir });
      const read = await readClayEncoderTensors(file, { cacheDir });
      expect(read.from).toBe('cache');
      try {
        expect(fromCache.info).toEqual(fromCheckpoint.info);
        const batch = batchFor(version);
        const reference = await fromCheckpoint.forward(batch);
        for (const encoder of [converting, fromCache]) {
          const out = await encoder.forward(batch);
          expect(out.shape).toEqual(reference.shape);
          expectSameFloats(out.grid, reference.grid, 'grid'); // bit for bit: the same float32 weights
          expectSameFloats(out.tokens, reference.tokens, 'tokens');
        }
      } finally {
        for (const encoder of [fromCheckpoint, converting, fromCache]) encoder.dispose();
      }
    });
  }

  it('fingerprints are remembered: identifying a converted file reads only the cache header; a fresh module instance (a new job) too', async () => {
    const file = copyOf('v0');
    const cacheDir = newCacheDir();
    const first = await identifyClayEncoderFile(file, { cacheDir });
    expect(first.from).toBe('checkpoint');
    expect(cacheFiles(cacheDir)).toEqual([`${first.fingerprint}.flck`]); // identifying alone converts (streaming)
    zeroKeepingSizeAndMtime(file);
    const again = await identifyClayEncoderFile(file, { cacheDir });
    expect(again).toMatchObject({ from: 'cache', fingerprint: first.fingerprint, spec: first.spec });

    const previous = process.env[ENCODER_CACHE_ENV];
    setCacheDir(cacheDir); // what a host does; job workers inherit it through the environment
    try {
      expect(resolveCacheDir()).toBe(cacheDir);
      vi.resetModules(); // no in-process memo: like a new worker
      const { encoderIdentity } = await import('../../src-main/engine/embedding/encoder-file.ts');
      const identity = await encoderIdentity(file);
      expect(identity).toMatchObject({ name: 'clay-v0', version: 'v0', fingerprint: first.fingerprint });
    } finally {
      if (previous === undefined) delete process.env[ENCODER_CACHE_ENV];
      else process.env[ENCODER_CACHE_ENV] = previous;
    }
  });

  it('a changed checkpoint (other mtime, other size) is converted again, never served stale', async () => {
    const file = copyOf('v0');
    const cacheDir = newCacheDir();
    const v0 = await identifyClayEncoderFile(file, { cacheDir });

    zeroKeepingSizeAndMtime(file);
    const later = new Date(statSync(file).mtimeMs + 5000);
    utimesSync(file, later, later); // same size, new mtime: must go to the (now zeroed) checkpoint
    await expect(identifyClayEncoderFile(file, { cacheDir })).rejects.toThrow(/zip|checkpoint/i);

    copyFileSync(FIXTURES['v1.5'], file); // other size, other weights
    expect(statSync(file).size).not.toBe(statSync(FIXTURES.v0).size);
    const v15 = await identifyClayEncoderFile(file, { cacheDir });
    expect(v15).toMatchObject({ from: 'checkpoint', spec: { version: 'v1.5' } });
    expect(v15.fingerprint).not.toBe(v0.fingerprint);
    expect(await identifyClayEncoderFile(file, { cacheDir })).toMatchObject({ from: 'cache', fingerprint: v15.fingerprint });
    expect(cacheFiles(cacheDir).sort()).toEqual([`${v0.fingerprint}.flck`, `${v15.fingerprint}.flck`].sort());
  });

  const corruptions: [string, (path: string) => void, RegExp][] = [
    [
      'a flipped byte in a tensor (checksum)',
      (path) => {
        const bytes = readFileSync(path);
        bytes[bytes.length - 3] ^= 0x40;
        writeFileSync(path, bytes);
      },
      /checksum/,
    ],
    ['a truncated file (size)', (path) => truncateSync(path, statSync(path).size - 1000), /truncated/],
    [
      'a garbage header',
      (path) => {
        const bytes = readFileSync(path);
        bytes.fill(0x7b, 12, 40);
        writeFileSync(path, bytes);
      },
      /corrupt header/,
    ],
    ['an empty file', (path) => writeFileSync(path, ''), /ends early|truncated/],
  ];
  for (const [what, corrupt, message] of corruptions) {
    it(`${what} is detected, never used, and the cache is rebuilt from the checkpoint`, async () => {
      const file = copyOf('v1.5');
      const cacheDir = newCacheDir();
      const first = await readClayEncoderTensors(file, { cacheDir });
      corrupt(first.cacheFile!);
      const warnings: string[] = [];
      const rebuilt = await readClayEncoderTensors(file, { cacheDir, onWarning: (m) => warnings.push(m) });
      expect(rebuilt.from).toBe('checkpoint');
      expect(warnings.join('\n')).toMatch(message);
      expect(warnings.join('\n')).toMatch(/rebuilding it from/);
      for (const [key, t] of first.tensors) expectSameFloats(rebuilt.tensors.get(key)?.data, t.data, key);
      const served = await readClayEncoderTensors(file, { cacheDir });
      expect(served.from).toBe('cache');
      for (const [key, t] of first.tensors) expectSameFloats(served.tensors.get(key)?.data, t.data, key);
    });
  }

  it('a cancelled conversion leaves no cache file and no temp file; an unwritable cache folder only warns', async () => {
    const file = copyOf('v0');
    const cacheDir = newCacheDir();
    let calls = 0;
    const cancelAt3 = () => {
      if (++calls === 3) throw new JobCancelledError();
    };
    await expect(readClayEncoderTensors(file, { cacheDir, checkCancelled: cancelAt3 })).rejects.toBeInstanceOf(JobCancelledError);
    expect(readdirSync(join(cacheDir, 'encoders'))).toEqual([]);

    const notADir = join(work, 'plain-file');
    writeFileSync(notADir, 'x');
    const warnings: string[] = [];
    const read = await readClayEncoderTensors(file, { cacheDir: notADir, onWarning: (m) => warnings.push(m) });
    expect(read).toMatchObject({ from: 'checkpoint', cacheFile: null });
    expect(read.tensors.size).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(/cannot cache the encoder of .*copy-/);
  });

  it('a checkpoint that is not a Clay encoder is refused as before and nothing is cached', async () => {
    const cacheDir = newCacheDir();
    const scratch = join(work, 'not-clay.pt');
    const { writeStateDict } = await import('../../src-main/engine/torch/checkpoint.ts');
    await writeStateDict(scratch, new Map([['decoder.0.weight', { shape: [2, 4608, 1, 1], data: new Float32Array(2 * 4608) }]]));
    await expect(readClayEncoderTensors(scratch, { cacheDir })).rejects.toThrow(/segmentation-head state dict/);
    expect(cacheFiles(cacheDir)).toEqual([]);
  });
});
