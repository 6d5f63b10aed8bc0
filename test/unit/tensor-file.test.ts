/**
 * The `.flck` container (engine/tensor-file) is the one reader and writer of training checkpoints and the encoder cache:
 * the byte layout is pinned against bytes built here from its documented layout, checkpoints written before checksums
 * still load, and a damaged file is a TensorFileError naming it. (The encoder cache on top: clay-cache.test.ts.)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint, readLastCheckpoint, writeCheckpoint } from '../../src-main/engine/run/checkpoint-file.ts';
import { checksumFloat32 } from '../../src-main/engine/tensor-file/checksum.ts';
import { readTensorFile, TensorFileError, TensorFileReader, writeTensorFile } from '../../src-main/engine/tensor-file/tensor-file.ts';
import type { TensorRecord } from '../../src-main/engine/compute/tensor-record.ts';

const root = mkdtempSync(join(tmpdir(), 'floodlens-tensor-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tensors = new Map<string, TensorRecord>([
  ['conv.weight', { shape: [2, 3], data: Float32Array.from([1.5, -2, 0, 3.25, 1e-7, -0]) }],
  ['conv.bias', { shape: [2], data: Float32Array.from([0.5, -0.5]) }],
  ['optimizer/step', { shape: [], data: Float32Array.from([12]) }],
]);
const bestMeta = { epoch: 3, valIou: 0.625 };
const lastMeta = { epoch: 3, randomState: 123456789, bestIou: 0.625, bestEpoch: 3, epochsWithoutImprovement: 0 };

/** "FLCK0001", uint32 LE JSON length, the JSON header zero-padded to 8 bytes, float32 LE tensors in header order. */
function documentedLayout(meta: object, records: Map<string, TensorRecord>): Buffer {
  const header = { meta, tensors: [...records].map(([name, t]) => ({ name, shape: t.shape, length: t.data.length })) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(Math.ceil((12 + json.length) / 8) * 8);
  prefix.write('FLCK0001', 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  json.copy(prefix, 12);
  const body = [...records.values()].map((t) => {
    const bytes = Buffer.alloc(t.data.length * 4);
    t.data.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    return bytes;
  });
  return Buffer.concat([prefix, ...body]);
}

function expectSameTensors(got: Map<string, TensorRecord>, want: Map<string, TensorRecord>): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, t] of want) {
    expect(got.get(name)?.shape, name).toEqual(t.shape);
    expect([...got.get(name)!.data], name).toEqual([...t.data]);
  }
}

describe('.flck container', () => {
  it('writes exactly the documented layout, with one checksum per tensor in meta.checksums', async () => {
    const path = join(root, 'layout', 'best.flck');
    await writeCheckpoint(path, tensors, bestMeta);
    const checksums = [...tensors.values()].map((t) => checksumFloat32(t.data));
    expect(readFileSync(path).equals(documentedLayout({ ...bestMeta, checksums }, tensors))).toBe(true);
    expect(readdirSync(join(root, 'layout'))).toEqual(['best.flck']); // no temp file left
    const read = await readCheckpoint(path);
    expect(read.meta).toEqual(bestMeta);
    expectSameTensors(read.tensors, tensors);
  });

  it('a checkpoint written before checksums (same layout, no meta.checksums) still loads, unverified', async () => {
    const path = join(root, 'old-last.flck');
    writeFileSync(path, documentedLayout(lastMeta, tensors));
    const reader = await TensorFileReader.open(path);
    expect(reader.checksummed).toBe(false);
    await reader.close();
    const { tensors: read, meta } = await readLastCheckpoint(path);
    expect(meta).toEqual(lastMeta);
    expectSameTensors(read, tensors);
  });

  const damages: [string, (path: string) => void, RegExp][] = [
    [
      'a flipped bit in a tensor',
      (path) => {
        const bytes = readFileSync(path);
        bytes[bytes.length - 2] ^= 0x10;
        writeFileSync(path, bytes);
      },
      /tensor optimizer\/step fails its checksum/,
    ],
    ['a truncated body', (path) => truncateSync(path, readFileSync(path).length - 4), /truncated or padded: expected \d+ bytes, found \d+/],
    ['a cut inside the header', (path) => truncateSync(path, 30), /truncated header/],
    ['an empty file', (path) => writeFileSync(path, ''), /ends early/],
    ['another format', (path) => writeFileSync(path, 'PK\x03\x04 a zip, not ours'), /not a Floodlens \.flck file/],
    [
      'a header that is not JSON',
      (path) => {
        const bytes = readFileSync(path);
        bytes.fill(0x7b, 12, 40);
        writeFileSync(path, bytes);
      },
      /corrupt header/,
    ],
  ];
  for (const [what, damage, problem] of damages) {
    it(`${what} is a TensorFileError naming the file`, async () => {
      const path = join(root, `damaged-${what.replaceAll(' ', '-')}.flck`);
      await writeTensorFile(path, tensors, lastMeta);
      damage(path);
      const error = await readTensorFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TensorFileError);
      expect(error).toMatchObject({ code: 'bad-input', file: path, message: expect.stringMatching(problem) });
      expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
    });
  }

  it('a .flck that is not a training checkpoint (an encoder cache) is refused by the checkpoint reader, naming the file', async () => {
    const path = join(root, 'encoder.flck');
    await writeTensorFile(path, tensors, { kind: 'floodlens-clay-encoder', formatVersion: 1 });
    await expect(readCheckpoint(path)).rejects.toMatchObject({
      file: path,
      message: expect.stringMatching(/not a training checkpoint \(epoch: /),
    });
    await writeCheckpoint(path, tensors, bestMeta);
    await expect(readLastCheckpoint(path)).rejects.toThrow(/not a training checkpoint \(randomState: /);
  });

  it('a tensor whose values do not fit its shape, or a folder that cannot be created, fails naming the file and leaves nothing behind', async () => {
    const path = join(root, 'bad', 'x.flck');
    const wrong = new Map([['w', { shape: [3], data: new Float32Array(2) }]]);
    await expect(writeTensorFile(path, wrong, {})).rejects.toThrow(/x\.flck: tensor 0 \(w\) has 2 values, expected 3/);
    expect(readdirSync(join(root, 'bad'))).toEqual([]);
    const blocked = join(root, 'a-file');
    writeFileSync(blocked, 'x');
    await expect(writeTensorFile(join(blocked, 'y.flck'), tensors, {})).rejects.toThrow(`cannot write ${join(blocked, 'y.flck')}`);
    expect(existsSync(join(blocked, 'y.flck'))).toBe(false);
  });
});
