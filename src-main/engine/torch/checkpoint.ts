import { openRegularFile } from '../fs/regular-file.ts';
import { CheckpointError } from './errors.ts';
import { nameOf, PyDict, PyGlobal, type PyValue, type TensorRef } from './pickle-values.ts';
import { isTensor, unpickleTorch } from './torch-pickle.ts';
import { ELEMENT_SIZE, gatherCOrder, isContiguous, product, spanOf, swapBytes, toFloat32 } from './tensor-decode.ts';
import { inflationProblem, ZipReader } from './zip-reader.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';

export { CheckpointError } from './errors.ts';
export { writeStateDict } from './state-dict-writer.ts';

export type TorchDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
export interface TensorInfo {
  key: string;
  dtype: TorchDtype;
  shape: number[];
}
/** data.pkl of a multi-GB Clay checkpoint is a few MB; refuse anything absurd before reading it. */
const MAX_PICKLE_BYTES = 512 * 1024 * 1024;
/** Top-level keys that hold the model's state dict, in order of preference. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'module'];
const METADATA_MAX_DEPTH = 32;
/** Shared references can make a small pickle describe a huge tree: metadata stops after this many values. */
const METADATA_MAX_VALUES = 1_000_000;
const METADATA_MAX_VALUES_PER_KEY = 100_000;

/**
 * A PyTorch zip checkpoint (`torch.save` ≥ 1.6, Lightning `.ckpt`). Opening reads the zip central
 * directory and `data.pkl` only; tensor bytes are read on demand with positioned reads.
 */
export class TorchCheckpoint {
  private constructor(
    readonly path: string,
    private readonly zip: ZipReader,
    private readonly recordPrefix: string,
    private readonly bigEndian: boolean,
    private readonly refs: ReadonlyMap<string, TensorRef>,
    private readonly extras: Record<string, unknown>,
  ) {}

  static async open(path: string): Promise<TorchCheckpoint> {
    const zip = await openZip(path);
    try {
      const pickleName = findPickle(zip);
      const prefix = pickleName.slice(0, -'data.pkl'.length);
      const pickleEntry = zip.entry(pickleName);
      if (pickleEntry.size > MAX_PICKLE_BYTES)
        throw new CheckpointError(path, `${pickleName} is implausibly large (${pickleEntry.size} bytes)`);
      const bigEndian = await readByteOrder(zip, prefix);
      const root = unpickleTorch(path, await zip.readEntry(pickleName));
      const { stateDict, extras } = splitCheckpoint(path, root);
      const refs = collectTensors(path, stateDict);
      checkStorageRecords(zip, prefix, refs);
      return new TorchCheckpoint(path, zip, prefix, bigEndian, refs, extras);
    } catch (err) {
      await zip.close();
      throw err;
    }
  }

  tensors(): TensorInfo[] {
    return [...this.refs.keys()].map((key) => this.info(key));
  }

  info(key: string): TensorInfo {
    const ref = this.ref(key);
    return { key, dtype: ref.storage.dtype as TorchDtype, shape: [...ref.shape] };
  }

  async readFloat32(key: string): Promise<Float32Array> {
    const ref = this.ref(key);
    const count = product(ref.shape);
    if (count === 0) return new Float32Array(0);
    const { dtype } = ref.storage;
    const elementSize = ELEMENT_SIZE[dtype];
    const span = spanOf(ref.shape, ref.stride);
    // A fresh buffer is aligned for every element type, so it can be viewed without copying.
    const bytes = new Uint8Array(span * elementSize);
    await this.zip.readRange(`${this.recordPrefix}data/${ref.storage.key}`, ref.offset * elementSize, bytes.length, bytes);
    if (this.bigEndian) swapBytes(bytes, elementSize);
    const region = toFloat32(bytes, dtype, span);
    return span === count && isContiguous(ref.shape, ref.stride) ? region : gatherCOrder(region, ref.shape, ref.stride);
  }

  /** Bytes read from the file so far: the zip directory, data.pkl and the tensors asked for, nothing else. */
  get bytesRead(): number {
    return this.zip.bytesRead;
  }

  /** Size of the checkpoint file. */
  get fileSize(): number {
    return this.zip.fileSize;
  }

  metadata(): Record<string, unknown> {
    return structuredClone(this.extras);
  }

  async close(): Promise<void> {
    await this.zip.close();
  }

  private ref(key: string): TensorRef {
    const ref = this.refs.get(key);
    if (!ref) throw new CheckpointError(this.path, `has no tensor ${key}`);
    return ref;
  }
}

/** Read the whole state dict (or the keys `keep` accepts) as float32 tensors. */
export async function readStateDict(path: string, keep?: (key: string) => boolean): Promise<Map<string, TensorRecord>> {
  const checkpoint = await TorchCheckpoint.open(path);
  try {
    const out = new Map<string, TensorRecord>();
    for (const { key, shape } of checkpoint.tensors()) {
      if (keep && !keep(key)) continue;
      out.set(key, { shape, data: await checkpoint.readFloat32(key) });
    }
    return out;
  } finally {
    await checkpoint.close();
  }
}

async function openZip(path: string): Promise<ZipReader> {
  try {
    return await ZipReader.open(path);
  } catch (err) {
    if (err instanceof CheckpointError && (await isLegacyTorchFile(path))) {
      throw new CheckpointError(path, 'uses the legacy (pre-1.6) torch serialization format; re-save it with torch.save in torch ≥ 1.6', {
        cause: err,
      });
    }
    throw err;
  }
}

/** Legacy files start with a pickled magic number: PROTO 2, LONG1 of 10 bytes. */
async function isLegacyTorchFile(path: string): Promise<boolean> {
  try {
    const handle = await openRegularFile(path);
    try {
      const head = new Uint8Array(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      return bytesRead === 4 && head[0] === 0x80 && head[2] === 0x8a && head[3] === 0x0a;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

function findPickle(zip: ZipReader): string {
  const candidates = [...zip.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (candidates.length === 0)
    throw new CheckpointError(zip.path, 'is a zip archive but not a torch checkpoint (no <folder>/data.pkl record)');
  if (candidates.length > 1) throw new CheckpointError(zip.path, `has several pickles (${candidates.join(', ')})`);
  return candidates[0];
}

async function readByteOrder(zip: ZipReader, prefix: string): Promise<boolean> {
  const name = `${prefix}byteorder`;
  if (!zip.entries.has(name)) return false;
  if (zip.entry(name).size > 16) throw new CheckpointError(zip.path, `${name} record is malformed`);
  const order = new TextDecoder().decode(await zip.readEntry(name)).trim();
  if (order !== 'little' && order !== 'big') throw new CheckpointError(zip.path, `unknown byte order ${JSON.stringify(order)}`);
  return order === 'big';
}

function hasTensors(dict: PyDict): boolean {
  for (const value of dict.values()) if (isTensor(value)) return true;
  return false;
}

/** Lightning and friends nest the state dict under a key; a plain `torch.save(state_dict)` is the root. */
function splitCheckpoint(path: string, root: PyValue): { stateDict: PyDict; extras: Record<string, unknown> } {
  if (!(root instanceof PyDict)) throw new CheckpointError(path, 'does not hold a dict (not a state dict or Lightning checkpoint)');
  for (const key of STATE_DICT_KEYS) {
    const candidate = root.get(key);
    if (candidate instanceof PyDict && hasTensors(candidate)) {
      const extras: Record<string, unknown> = {};
      let remaining = METADATA_MAX_VALUES;
      for (const [k, v] of root) {
        if (k === key || remaining <= 0) continue;
        // one runaway entry must not crowd out the small ones (epoch, global_step) after it
        const budget = { values: Math.min(METADATA_MAX_VALUES_PER_KEY, remaining) };
        const json = toJsonable(v, 0, new Set(), budget);
        remaining -= Math.min(METADATA_MAX_VALUES_PER_KEY, remaining) - Math.max(0, budget.values);
        if (json !== undefined) extras[nameOf(k)] = json;
      }
      return { stateDict: candidate, extras };
    }
  }
  if (hasTensors(root)) return { stateDict: root, extras: {} };
  const keys = [...root.keys()].slice(0, 20).map(nameOf).join(', ');
  throw new CheckpointError(path, `holds no state dict (top-level keys: ${keys || 'none'})`);
}

function collectTensors(path: string, stateDict: PyDict): Map<string, TensorRef> {
  const refs = new Map<string, TensorRef>();
  for (const [key, value] of stateDict) {
    if (!isTensor(value)) continue;
    const name = nameOf(key);
    if (refs.has(name)) throw new CheckpointError(path, `has two tensors named ${name}`);
    refs.set(name, value);
  }
  return refs;
}

function checkStorageRecords(zip: ZipReader, prefix: string, refs: ReadonlyMap<string, TensorRef>): void {
  for (const [key, ref] of refs) {
    const record = `${prefix}data/${ref.storage.key}`;
    const entry = zip.entries.get(record);
    if (!entry) throw new CheckpointError(zip.path, `tensor ${key}: storage record ${record} is missing`);
    const needed = ref.storage.numel * ELEMENT_SIZE[ref.storage.dtype];
    if (entry.size < needed) {
      throw new CheckpointError(zip.path, `tensor ${key}: storage record ${record} has ${entry.size} bytes, needs ${needed}`);
    }
    // A compressed record is inflated whole: bound it by what its tensor needs per the header, and its
    // expansion, before a byte is inflated (a 1 MB record must not become 800 MB of zeros in memory).
    if (entry.method !== 0 && entry.size > needed) {
      throw new CheckpointError(
        zip.path,
        `tensor ${key}: compressed storage record ${record} declares ${entry.size} bytes, its tensor needs only ${needed}`,
      );
    }
    const problem = inflationProblem(entry);
    if (problem) throw new CheckpointError(zip.path, `tensor ${key}: ${problem}`);
  }
}

/** Plain data only: tensors, bytes and anything cyclic or absurdly deep are left out. */
function toJsonable(value: PyValue, depth: number, seen: Set<object>, budget: { values: number }): unknown {
  if (--budget.values < 0) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (depth >= METADATA_MAX_DEPTH || value instanceof Uint8Array || value instanceof PyGlobal) return undefined;
  if (Array.isArray(value)) {
    if (seen.has(value)) return undefined;
    seen.add(value);
    const out: unknown[] = [];
    for (const v of value) {
      if (budget.values < 0) break;
      const json = toJsonable(v, depth + 1, seen, budget);
      if (json !== undefined) out.push(json);
    }
    seen.delete(value);
    return out;
  }
  if (value instanceof PyDict) {
    if (seen.has(value)) return undefined;
    seen.add(value);
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) {
      if (budget.values < 0) break;
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint' && typeof k !== 'boolean') continue;
      const json = toJsonable(v, depth + 1, seen, budget);
      if (json !== undefined) out[String(k)] = json;
    }
    seen.delete(value);
    return out;
  }
  return undefined;
}
