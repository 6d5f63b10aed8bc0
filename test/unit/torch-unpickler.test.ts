import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../../src-main/engine/torch/errors.ts';
import { PyDict, type PyValue } from '../../src-main/engine/torch/pickle-values.ts';
import { unpickleTorch } from '../../src-main/engine/torch/torch-pickle.ts';
import { TorchCheckpoint } from '../../src-main/engine/torch/checkpoint.ts';
import { hasShared, sharedFixture } from '../helpers/shared.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { has, SYSTEM_PYTHON } from '../helpers/references.ts';

const PYTHON = SYSTEM_PYTHON;
const hasPython = has('python');

/** Python-side object → the plain shape our values are compared in. */
const PY_SCRIPT = `
import pickle, json, sys, collections
shared = [1, 2]
obj = {
  'ints': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**53, -2**63, 2**64 + 5],
  'floats': [0.0, -0.0, 1.5, 1e300, -2.5e-300],
  'text': ['', 'ascii', 'ünïcødé ✓', 'x' * 300],
  'bytes': b'\\x00\\xffabc',
  'tuple': (1, (2, 3), ()),
  'tuples': [(1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
  'set': {7}, 'frozenset': frozenset({8}),
  'none': None, 'bools': [True, False],
  'nested': {'a': {'b': {'c': [shared, shared]}}},
  'ordered': collections.OrderedDict([('z', 1), ('a', 2)]),
  'intkeys': {1: 'one', 2: 'two'},
  'many': list(range(1500)),
}
def plain(v):
    if isinstance(v, bool) or v is None or isinstance(v, float) or isinstance(v, str): return v
    if isinstance(v, int): return v if abs(v) <= 2**53 - 1 else {'bigint': str(v)}
    if isinstance(v, bytes): return {'bytes': list(v)}
    if isinstance(v, dict): return {str(k): plain(x) for k, x in v.items()}
    return [plain(x) for x in v]
out = {}
for protocol in (2, 3, 4, 5):
    out[protocol] = pickle.dumps(obj, protocol=protocol).hex()
print(json.dumps({'expected': plain(obj), 'pickles': out}))
`;

function plain(value: PyValue): unknown {
  if (value instanceof PyDict) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

describe.skipIf(!hasPython)('safe unpickler against CPython pickle', () => {
  const run = hasPython ? spawnSync(PYTHON, ['-c', PY_SCRIPT], { encoding: 'utf8' }) : undefined;
  const { expected, pickles } = run?.status === 0 ? JSON.parse(run.stdout) : { expected: null, pickles: {} };

  for (const protocol of [2, 3, 4, 5]) {
    it(`decodes plain data pickled with protocol ${protocol}`, () => {
      expect(run?.status, run?.stderr).toBe(0);
      const value = unpickleTorch('mem.pkl', Buffer.from(pickles[protocol], 'hex'));
      expect(plain(value)).toEqual(expected);
    });
  }

  it('keeps shared references shared (memo) and enforces stack, mark and memo limits', () => {
    const data = Buffer.from(pickles[4], 'hex');
    const value = unpickleTorch('mem.pkl', data) as PyDict;
    const c = ((value.get('nested') as PyDict).get('a') as PyDict).get('b') as PyDict;
    const [x, y] = c.get('c') as PyValue[];
    expect(x).toBe(y);
    expect(() => unpickleTorch('mem.pkl', data, { maxStack: 100, maxMarks: 1000, maxMemo: 1e6 })).toThrow(/stack limit/);
    expect(() => unpickleTorch('mem.pkl', data, { maxStack: 1e6, maxMarks: 1000, maxMemo: 10 })).toThrow(/memo limit/);
    const deep = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.alloc(5000, 0x28), Buffer.from('N.')]);
    expect(() => unpickleTorch('deep.pkl', deep, { maxStack: 1e6, maxMarks: 1000, maxMemo: 1e6 })).toThrow(/MARK nesting/);
  });
});

describe('malformed pickles', () => {
  const cases: [string, number[], RegExp][] = [
    ['empty', [], /truncated/],
    ['no STOP', [0x80, 0x02, 0x4e], /truncated/],
    ['string longer than data', [0x58, 0xff, 0xff, 0xff, 0x7f, 0x61, 0x2e], /truncated/],
    ['bad opcode', [0x80, 0x02, 0xff], /unsupported opcode 0xff/],
    ['missing memo', [0x80, 0x02, 0x68, 0x05, 0x2e], /memo entry 5 is missing/],
    ['stack underflow', [0x80, 0x02, 0x85, 0x2e], /stack underflow/],
    ['REDUCE on data', [0x4e, 0x29, 0x52, 0x2e], /non-global/],
    ['SETITEM on list', [0x5d, 0x4e, 0x4e, 0x73, 0x2e], /not a dict/],
    ['huge LONG4', [0x8b, 0xff, 0xff, 0xff, 0x00, 0x2e], /integer too large/],
    ['invalid utf-8', [0x8c, 0x01, 0xff, 0x2e], /UTF-8/],
    ['persistent id that is not a storage', [0x4e, 0x51, 0x2e], /persistent id/],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      let error: unknown;
      try {
        unpickleTorch('bad.pkl', Uint8Array.from(bytes));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(message);
      expect((error as CheckpointError).file).toBe('bad.pkl');
    });
  }
});

/** Deterministic PRNG so a failure reproduces. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!hasShared)('fuzzing: corrupted input only ever yields a CheckpointError', () => {
  const file = hasShared ? readFileSync(sharedFixture('clay-v0', 'clay-v0-tiny.ckpt')) : Buffer.alloc(0);

  it('mutated data.pkl (1000 variants)', () => {
    // data.pkl is the first, stored record; its length is in the fixture's local header via the central directory
    const start = 30 + file.readUInt16LE(26) + file.readUInt16LE(28);
    const end = file.indexOf(Buffer.from('PK\x03\x04'), start);
    const pickle = file.subarray(start, end - 16); // minus the data descriptor
    expect(unpickleTorch('ok.pkl', pickle)).toBeInstanceOf(PyDict);
    const random = mulberry32(42);
    let rejected = 0;
    for (let i = 0; i < 1000; i++) {
      const mutated = Uint8Array.from(pickle);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      if (random() < 0.2) {
        try {
          unpickleTorch('m.pkl', mutated.subarray(0, Math.floor(random() * mutated.length)));
        } catch (e) {
          expect(e, `variant ${i}`).toBeInstanceOf(CheckpointError);
          rejected++;
        }
        continue;
      }
      try {
        unpickleTorch('m.pkl', mutated);
      } catch (e) {
        expect(e, `variant ${i}`).toBeInstanceOf(CheckpointError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it('mutated zip structure (200 variants)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodlens-torch-fuzz-'));
    try {
      const cdStart = file.length - 8000; // central directory and end records live at the tail
      const random = mulberry32(7);
      for (let i = 0; i < 200; i++) {
        const mutated = Buffer.from(file);
        const flips = 1 + Math.floor(random() * 3);
        for (let f = 0; f < flips; f++) {
          const at = random() < 0.8 ? cdStart + Math.floor(random() * 8000) : Math.floor(random() * 200);
          mutated[at] = Math.floor(random() * 256);
        }
        const path = join(dir, `m${i}.ckpt`);
        writeFileSync(path, mutated);
        try {
          const checkpoint = await TorchCheckpoint.open(path);
          try {
            for (const { key } of checkpoint.tensors()) await checkpoint.readFloat32(key);
          } finally {
            await checkpoint.close();
          }
        } catch (e) {
          expect(e, `variant ${i}: ${(e as Error).message}`).toBeInstanceOf(CheckpointError);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
