/**
 * Fuzz target for the checkpoint reader (zip + safe unpickler): a real torch zip written by our
 * state-dict writer (the same layout torch.save produces), with
 *  - pickle programs spliced into data.pkl: absurd/recursive opcodes, huge length fields, memo bombs,
 *    deep nesting, disallowed globals, MARK storms;
 *  - dishonest zips: path-traversal names, DEFLATE bombs, huge declared sizes, wrong offsets and CRCs,
 *    ZIP64 fields, lying end records.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckpointError, TorchCheckpoint, writeStateDict } from '../../src-main/engine/torch/checkpoint.ts';
import { unpickleTorch } from '../../src-main/engine/torch/torch-pickle.ts';
import { ZipReader } from '../../src-main/engine/torch/zip-reader.ts';
import { buildZip, type FuzzRecord, type FuzzZip } from './zip-builder.ts';

export const isCheckpointError = (error: unknown) => error instanceof CheckpointError;

export interface BaseCheckpoint {
  records: { name: string; data: Uint8Array }[];
  pickleIndex: number;
}

/** A small state dict (two tensors, one non-contiguous-friendly shape) written by the real writer. */
export async function makeBaseCheckpoint(): Promise<BaseCheckpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-fuzz-base-'));
  try {
    const path = join(dir, 'base.pt');
    const tensors = new Map([
      ['conv.weight', { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) }],
      ['conv.bias', { shape: [2], data: Float32Array.of(0.5, -0.5) }],
    ]);
    await writeStateDict(path, tensors);
    const zip = await ZipReader.open(path);
    try {
      const records = [];
      for (const name of zip.entries.keys()) records.push({ name, data: await zip.readEntry(name) });
      return { records, pickleIndex: records.findIndex((r) => r.name.endsWith('/data.pkl')) };
    } finally {
      await zip.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- pickle programs ----------

const bytes = (...values: number[]) => Uint8Array.from(values);
const le32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const le64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
};
const text = (s: string) => new TextEncoder().encode(s);
const join2 = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const hugeLength = fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000000, 1 << 20, 100, 0);
const hugeLength64 = fc.constantFrom(0xffffffffffffffffn, 0x7fffffffffffffffn, 1n << 40n, 1n << 31n, 0n);

/** One opcode with its argument, valid or absurd. */
const singleOp: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    bytes(0x28), // MARK
    bytes(0x2e), // STOP
    bytes(0x30), // POP
    bytes(0x31), // POP_MARK
    bytes(0x32), // DUP
    bytes(0x4e), // NONE
    bytes(0x88),
    bytes(0x89),
    bytes(0x29), // EMPTY_TUPLE
    bytes(0x5d), // EMPTY_LIST
    bytes(0x7d), // EMPTY_DICT
    bytes(0x8f), // EMPTY_SET
    bytes(0x85),
    bytes(0x86),
    bytes(0x87), // TUPLE1..3
    bytes(0x74),
    bytes(0x6c),
    bytes(0x64), // TUPLE LIST DICT
    bytes(0x61),
    bytes(0x65),
    bytes(0x73),
    bytes(0x75),
    bytes(0x90),
    bytes(0x91), // APPEND(S) SETITEM(S) ADDITEMS FROZENSET
    bytes(0x94), // MEMOIZE
    bytes(0x52),
    bytes(0x81),
    bytes(0x92),
    bytes(0x62),
    bytes(0x51), // REDUCE NEWOBJ NEWOBJ_EX BUILD BINPERSID
    bytes(0x93), // STACK_GLOBAL
  ),
  fc.nat({ max: 255 }).map((op) => bytes(op)), // any byte as an opcode
  fc.nat({ max: 255 }).map((v) => bytes(0x4b, v)), // BININT1
  fc.integer().map((v) => join2(bytes(0x4a), le32(v))), // BININT
  fc.uint8Array({ maxLength: 12 }).map((b) => join2(bytes(0x8a, b.length), b)), // LONG1
  hugeLength.map((n) => join2(bytes(0x8b), le32(n), bytes(1, 2, 3))), // LONG4 with an absurd length
  fc.nat({ max: 255 }).map((i) => bytes(0x71, i)), // BINPUT
  fc.nat({ max: 255 }).map((i) => bytes(0x68, i)), // BINGET
  fc.oneof(hugeLength, fc.nat()).map((i) => join2(bytes(0x72), le32(i))), // LONG_BINPUT
  fc.oneof(hugeLength, fc.nat({ max: 8 })).map((i) => join2(bytes(0x6a), le32(i))), // LONG_BINGET
  hugeLength.map((n) => join2(bytes(0x58), le32(n), text('ab'))), // BINUNICODE lying length
  hugeLength64.map((n) => join2(bytes(0x8d), le64(n), text('ab'))), // BINUNICODE8
  hugeLength64.map((n) => join2(bytes(0x8e), le64(n), text('ab'))), // BINBYTES8
  hugeLength64.map((n) => join2(bytes(0x95), le64(n))), // FRAME
  fc.string({ maxLength: 8 }).map((s) => join2(bytes(0x8c, text(s).length), text(s))), // SHORT_BINUNICODE
  fc
    .constantFrom(
      'os\nsystem',
      'builtins\neval',
      'torch._utils\n_rebuild_tensor_v2',
      'collections\nOrderedDict',
      'torch\nFloatStorage',
      'builtins\nlist',
      'subprocess\nPopen',
      'x\ny',
    )
    .map((g) => join2(bytes(0x63), text(`${g}\n`))), // GLOBAL
  fc.constantFrom('1', '01', '00', '-5', '99999999999999999999', 'x').map((s) => join2(bytes(0x49), text(`${s}\n`))), // INT
  fc.constantFrom('0', '1', '99999999999', 'abc').map((s) => join2(bytes(0x67), text(`${s}\n`))), // GET
);

/** A short program repeated many times: deep nesting, memo bombs, MARK storms, huge flat lists. */
const repeatedOps = fc
  .record({
    body: fc.oneof(
      fc.constant(bytes(0x85)), // TUPLE1 on TUPLE1 …: nesting depth = repeats
      fc.constant(bytes(0x5d, 0x61)), // [x] appended repeatedly
      fc.constant(bytes(0x32, 0x61)), // DUP APPEND: a list containing itself
      fc.constant(bytes(0x68, 0x00)), // BINGET 0: memo bomb
      fc.constant(bytes(0x28)), // MARK storm
      fc.constant(bytes(0x32)), // DUP storm
      fc.constant(bytes(0x94)), // MEMOIZE storm
      fc.constant(bytes(0x28, 0x68, 0x00, 0x68, 0x00, 0x6c)), // lists of two shared refs, nested: exponential tree
      fc.constant(bytes(0x7d, 0x32, 0x68, 0x00, 0x73)), // dicts keyed by the memo root
      singleOp,
    ),
    times: fc.constantFrom(2, 10, 1_000, 20_000, 120_000),
  })
  .map(({ body, times }) => {
    const out = new Uint8Array(body.length * times);
    for (let i = 0; i < times; i++) out.set(body, i * body.length);
    return out;
  });

export type PickleEdit =
  | { kind: 'insert'; at: number; ops: Uint8Array[] }
  | { kind: 'replace-tail'; at: number; ops: Uint8Array[] }
  | { kind: 'flip'; at: number; value: number }
  /** A whole new pickle: `{key: value}` built from generated programs (keys and values of any shape). */
  | { kind: 'dict'; key: Uint8Array[]; value: Uint8Array[] };

const ops = fc.array(fc.oneof({ weight: 4, arbitrary: singleOp }, { weight: 1, arbitrary: repeatedOps }), { minLength: 1, maxLength: 6 });

/** Few ops, mostly repeated programs: whole structures that survive to the checkpoint layer. */
const structureOps = fc.array(fc.oneof({ weight: 1, arbitrary: singleOp }, { weight: 3, arbitrary: repeatedOps }), { maxLength: 2 });

export const pickleEditsArbitrary: fc.Arbitrary<PickleEdit[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), ops }),
    fc.record({ kind: fc.constant('replace-tail' as const), at: fc.nat(), ops }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
    fc.record({ kind: fc.constant('dict' as const), key: structureOps, value: structureOps }),
  ),
  { minLength: 1, maxLength: 3 },
);

export function applyPickleEdits(pickle: Uint8Array, edits: PickleEdit[]): Uint8Array {
  let out = pickle;
  for (const edit of edits) {
    if (edit.kind === 'dict') {
      out = join2(bytes(0x80, 2, 0x7d, 0x4e), ...edit.key, bytes(0x4e), ...edit.value, bytes(0x73, 0x2e));
      continue;
    }
    const at = edit.at % (out.length + 1);
    if (edit.kind === 'flip') {
      if (out.length === 0) continue;
      out = Uint8Array.from(out);
      out[at % out.length] = edit.value;
    } else if (edit.kind === 'insert') {
      out = join2(out.subarray(0, at), ...edit.ops, out.subarray(at));
    } else {
      out = join2(out.subarray(0, at), ...edit.ops, bytes(0x2e)); // ends with STOP
    }
  }
  return out;
}

// ---------- dishonest zips ----------

const UNSAFE_NAMES = [
  '../../etc/passwd',
  'archive/../../x',
  '/abs/data.pkl',
  'C:/x/data.pkl',
  'a\\..\\b',
  '',
  'archive/data.pkl\0.txt',
  'archive/data/../data.pkl',
];

export interface ZipLie {
  record: number;
  name?: string | Uint8Array;
  method?: number;
  declaredSize?: number;
  declaredCompressedSize?: number;
  crc?: number;
  localHeaderOffset?: number;
  zip64?: bigint[];
}

export interface ZipCase {
  lies: ZipLie[];
  /** Replace data.pkl by a DEFLATE bomb: this many zero bytes (honest or lying size). */
  bomb: { zeros: number; claimed: 'honest' | 'small' | 'huge' } | null;
  extraRecords: { name: string; copyOf: number }[];
  eocdCount?: number;
  cdOffsetDelta?: number;
  cdSizeDelta?: number;
  commentLength?: number;
}

const sizeLie = fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0xfffffffe, 0x7fffffff, 1 << 30), fc.nat({ max: 1 << 20 }));
const zip64Values = fc.array(
  fc.oneof(fc.constantFrom(0n, 1n, (1n << 53n) + 1n, 0xffffffffffffffffn, 1n << 40n), fc.bigInt({ min: 0n, max: 1n << 20n })),
  { maxLength: 3 },
);

const lie: fc.Arbitrary<ZipLie> = fc.record(
  {
    record: fc.nat({ max: 8 }),
    name: fc.oneof(
      fc.constantFrom(...UNSAFE_NAMES),
      fc.constant(Uint8Array.of(0xff, 0xfe, 0x2f, 0x64)),
      fc.constant('archive/' + 'x'.repeat(5000)),
    ),
    method: fc.constantFrom(0, 8, 12, 99),
    declaredSize: sizeLie,
    declaredCompressedSize: sizeLie,
    crc: fc.nat({ max: 0xffffffff }),
    localHeaderOffset: sizeLie,
    zip64: zip64Values,
  },
  { requiredKeys: ['record'] },
);

const endRecordLies = fc.record(
  {
    eocdCount: fc.constantFrom(0, 1, 0xffff),
    cdOffsetDelta: fc.constantFrom(-1, 1, -46, 1 << 20),
    cdSizeDelta: fc.constantFrom(-1, 1, 1 << 20),
    commentLength: fc.constantFrom(1, 0xffff),
  },
  { requiredKeys: [] },
);

export const zipCaseArbitrary: fc.Arbitrary<ZipCase> = fc
  .record({
    lies: fc.array(lie, { maxLength: 3 }),
    bomb: fc.option(
      fc.record({
        zeros: fc.constantFrom(1 << 10, 1 << 20, 8 << 20),
        claimed: fc.constantFrom('honest' as const, 'small' as const, 'huge' as const),
      }),
      { freq: 3 },
    ),
    extraRecords: fc.array(
      fc.record({ name: fc.constantFrom(...UNSAFE_NAMES, 'archive/data.pkl', 'other/data.pkl'), copyOf: fc.nat({ max: 8 }) }),
      { maxLength: 2 },
    ),
    end: fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: endRecordLies }),
  })
  .map(({ end, ...rest }) => ({ ...rest, ...end }));

const zeroBuffers = new Map<number, Uint8Array>();
/** One shared buffer per bomb size (never written to), so its deflated form is computed once. */
function zeros(length: number): Uint8Array {
  let buffer = zeroBuffers.get(length);
  if (!buffer) zeroBuffers.set(length, (buffer = new Uint8Array(length)));
  return buffer;
}

export function buildZipCase(base: BaseCheckpoint, c: ZipCase, pickle?: Uint8Array): Uint8Array {
  const records: FuzzRecord[] = base.records.map((r, i) => ({ name: r.name, data: i === base.pickleIndex && pickle ? pickle : r.data }));
  if (c.bomb) {
    const target = records[base.pickleIndex];
    target.data = zeros(c.bomb.zeros);
    target.method = 8;
    if (c.bomb.claimed === 'small') target.declaredSize = 100;
    if (c.bomb.claimed === 'huge') target.declaredSize = 0xfffffff0;
  }
  for (const extra of c.extraRecords) records.push({ name: extra.name, data: base.records[extra.copyOf % base.records.length].data });
  for (const l of c.lies) {
    const r = records[l.record % records.length];
    if (l.name !== undefined) r.name = l.name;
    if (l.method !== undefined) r.method = l.method;
    if (l.declaredSize !== undefined) r.declaredSize = l.declaredSize;
    if (l.declaredCompressedSize !== undefined) r.declaredCompressedSize = l.declaredCompressedSize;
    if (l.crc !== undefined) r.crc = l.crc;
    if (l.localHeaderOffset !== undefined) r.localHeaderOffset = l.localHeaderOffset;
    if (l.zip64 !== undefined) r.zip64 = l.zip64;
  }
  const zip: FuzzZip = {
    records,
    eocdCount: c.eocdCount,
    cdOffsetDelta: c.cdOffsetDelta,
    cdSizeDelta: c.cdSizeDelta,
    commentLength: c.commentLength,
  };
  return buildZip(zip);
}

// ---------- the property ----------

/** Opening, listing, reading every tensor and the metadata either works or throws CheckpointError. */
export async function checkpointTarget(path: string): Promise<void> {
  const checkpoint = await TorchCheckpoint.open(path);
  try {
    for (const { key, shape } of checkpoint.tensors()) {
      const data = await checkpoint.readFloat32(key);
      const expected = shape.reduce((a, b) => a * b, 1);
      if (data.length !== expected) throw new Error(`tensor ${key}: ${data.length} values for shape [${shape}]`);
    }
    JSON.stringify(checkpoint.metadata());
  } finally {
    await checkpoint.close();
  }
}

/** The unpickler alone must also reject or accept without any other error. */
export function pickleTarget(pickle: Uint8Array): void {
  unpickleTorch('fuzz.pkl', pickle);
}

export class CheckpointWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'floodlens-fuzz-ckpt-'));
  readonly path = join(this.root, 'case.pt');

  write(bytes: Uint8Array): string {
    writeFileSync(this.path, bytes);
    return this.path;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
