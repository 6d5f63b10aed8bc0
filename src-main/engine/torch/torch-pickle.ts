import { CheckpointError } from './errors.ts';
import { nameOf, PyDict, PyGlobal, type NumpyDtype, type PyValue, type StorageRef, type TensorRef } from './pickle-values.ts';
import { unpickle, DEFAULT_LIMITS, type UnpickleLimits, type UnpicklePolicy } from './unpickler.ts';

/** torch storage classes → element dtype. */
export const STORAGE_DTYPES: Readonly<Record<string, string>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

type Kind =
  | 'ordered-dict'
  | 'defaultdict'
  | 'attribute-dict'
  | 'namespace'
  | 'set'
  | 'list'
  | 'dict'
  | 'tuple'
  | 'codecs-encode'
  | 'bytearray'
  | 'rebuild-tensor-v2'
  | 'rebuild-tensor'
  | 'rebuild-parameter'
  | 'rebuild-parameter-with-state'
  | 'storage'
  | 'size'
  | 'torch-version'
  | 'device'
  | 'path'
  | 'numpy-scalar'
  | 'numpy-dtype'
  | 'scalar-type';

const ALIASES: Record<string, Kind> = {
  set: 'set',
  frozenset: 'set',
  list: 'list',
  dict: 'dict',
  tuple: 'tuple',
  int: 'scalar-type',
  float: 'scalar-type',
  str: 'scalar-type',
  bool: 'scalar-type',
  bytearray: 'bytearray',
};

/**
 * Everything a checkpoint may name. State dicts need only the torch ones; the rest are the inert
 * containers Lightning / argparse / numpy leave in checkpoint metadata, rebuilt here as plain data.
 */
const ALLOWED: ReadonlyMap<string, Kind> = new Map<string, Kind>([
  ['collections.OrderedDict', 'ordered-dict'],
  ['collections.defaultdict', 'defaultdict'],
  ['builtins.set', 'set'],
  ['builtins.frozenset', 'set'],
  ['builtins.list', 'list'],
  ['builtins.dict', 'dict'],
  ['builtins.tuple', 'tuple'],
  ['builtins.int', 'scalar-type'],
  ['builtins.float', 'scalar-type'],
  ['builtins.str', 'scalar-type'],
  ['builtins.bool', 'scalar-type'],
  ['builtins.bytearray', 'bytearray'],
  // Protocol 2 writes Python 3 builtins under their Python 2 module name.
  ...(['set', 'frozenset', 'list', 'dict', 'tuple', 'int', 'float', 'str', 'bool', 'bytearray'] as const).map((name): [string, Kind] => [
    `__builtin__.${name}`,
    ALIASES[name],
  ]),
  ['_codecs.encode', 'codecs-encode'],
  ['torch._utils._rebuild_tensor_v2', 'rebuild-tensor-v2'],
  ['torch._utils._rebuild_tensor', 'rebuild-tensor'],
  ['torch._utils._rebuild_parameter', 'rebuild-parameter'],
  ['torch._utils._rebuild_parameter_with_state', 'rebuild-parameter-with-state'],
  ...Object.keys(STORAGE_DTYPES).map((name): [string, Kind] => [`torch.${name}`, 'storage']),
  ['torch.Size', 'size'],
  ['torch.device', 'device'],
  ['torch.torch_version.TorchVersion', 'torch-version'],
  ['argparse.Namespace', 'namespace'],
  ['lightning_fabric.utilities.data.AttributeDict', 'attribute-dict'],
  ['lightning.fabric.utilities.data.AttributeDict', 'attribute-dict'],
  ['pytorch_lightning.utilities.parsing.AttributeDict', 'attribute-dict'],
  ['lightning.pytorch.utilities.parsing.AttributeDict', 'attribute-dict'],
  ['pathlib.Path', 'path'],
  ['pathlib.PosixPath', 'path'],
  ['pathlib.WindowsPath', 'path'],
  ['pathlib.PurePosixPath', 'path'],
  ['pathlib.PureWindowsPath', 'path'],
  ['numpy.core.multiarray.scalar', 'numpy-scalar'],
  ['numpy._core.multiarray.scalar', 'numpy-scalar'],
  ['numpy.dtype', 'numpy-dtype'],
]);

export function isAllowedGlobal(qualifiedName: string): boolean {
  return ALLOWED.has(qualifiedName);
}

/** Unpickle a torch `data.pkl` into inert values; tensors become references to their storage records. */
export function unpickleTorch(file: string, data: Uint8Array, limits: UnpickleLimits = DEFAULT_LIMITS): PyValue {
  // Copying containers (OrderedDict(d), set(l)...) is the only non-constant work the policy does;
  // bound it so a small pickle cannot make it quadratic.
  return unpickle(file, data, new TorchPolicy(file, Math.max(10_000_000, 16 * data.length)), limits);
}

class TorchPolicy implements UnpicklePolicy {
  private readonly storages = new Map<string, StorageRef>();
  constructor(
    private readonly file: string,
    private copyBudget: number,
  ) {}

  private spend(items: number): void {
    this.copyBudget -= items;
    if (this.copyBudget < 0) this.fail('pickle copies too many container items (malformed or hostile)');
  }

  private fail(problem: string): never {
    throw new CheckpointError(this.file, problem);
  }

  private kind(g: PyGlobal): Kind {
    return ALLOWED.get(g.qualifiedName)!;
  }

  resolveGlobal(module: string, name: string): PyGlobal {
    const qualified = `${module}.${name}`;
    if (!ALLOWED.has(qualified)) {
      this.fail(
        `refuses global ${qualified}: a checkpoint may only reference tensor storage and plain data containers (it is untrusted input and is never executed)`,
      );
    }
    return new PyGlobal(module, name);
  }

  reduce(callable: PyGlobal, args: PyValue[]): PyValue {
    const kind = this.kind(callable);
    switch (kind) {
      case 'ordered-dict':
      case 'dict':
      case 'attribute-dict':
      case 'namespace': {
        const dict = new PyDict(callable.name);
        const init = args[0];
        if (init instanceof PyDict || Array.isArray(init)) this.spend(init instanceof PyDict ? init.size : init.length);
        if (init instanceof PyDict) for (const [k, v] of init) dict.set(k, v);
        else if (Array.isArray(init)) {
          for (const pair of init) {
            if (!Array.isArray(pair) || pair.length !== 2) this.fail(`${callable.qualifiedName} expects (key, value) pairs`);
            dict.set(pair[0], pair[1]);
          }
        }
        return dict;
      }
      case 'defaultdict':
        return new PyDict('defaultdict');
      case 'set':
      case 'list':
      case 'tuple':
        if (args.length === 0) return [];
        if (Array.isArray(args[0])) {
          this.spend(args[0].length);
          return [...args[0]];
        }
        if (args[0] instanceof PyDict) {
          this.spend(args[0].size);
          return [...args[0].keys()];
        }
        return this.fail(`${callable.qualifiedName} of an unsupported value`);
      case 'scalar-type':
        return this.fail(`${callable.qualifiedName} may only appear as a defaultdict factory`);
      case 'codecs-encode':
      case 'bytearray':
        return this.encode(callable, args);
      case 'rebuild-tensor-v2':
      case 'rebuild-tensor':
        return this.rebuildTensor(args);
      case 'rebuild-parameter':
      case 'rebuild-parameter-with-state':
        if (!isTensor(args[0])) this.fail('_rebuild_parameter of a non-tensor');
        return args[0];
      case 'size':
        if (args.length === 0) return [];
        if (!Array.isArray(args[0])) this.fail('torch.Size of a non-tuple');
        this.spend((args[0] as PyValue[]).length);
        return [...(args[0] as PyValue[])];
      case 'device':
        return args.map(nameOf).join(':');
      case 'torch-version':
        return nameOf(args[0] ?? '');
      case 'path':
        return args
          .map(nameOf)
          .join(callable.name.includes('Windows') ? '\\' : '/')
          .replace(/\/\/+/g, '/');
      case 'numpy-dtype':
        if (typeof args[0] !== 'string') this.fail('numpy.dtype of a non-string');
        return { kind: 'numpy-dtype', code: args[0] as string, byteOrder: '=' } satisfies NumpyDtype;
      case 'numpy-scalar':
        return this.numpyScalar(args);
      case 'storage':
        return this.fail(`${callable.qualifiedName} can only be referenced through a persistent id`);
    }
  }

  newObject(cls: PyGlobal, args: PyValue[]): PyValue {
    const kind = this.kind(cls);
    if (kind === 'torch-version') return nameOf(args[0] ?? '');
    if (kind === 'ordered-dict' || kind === 'dict' || kind === 'attribute-dict' || kind === 'namespace' || kind === 'defaultdict') {
      return new PyDict(cls.name);
    }
    if (kind === 'path') return this.reduce(cls, args);
    return this.fail(`cannot instantiate ${cls.qualifiedName}`);
  }

  build(target: PyValue, state: PyValue): void {
    if (target instanceof PyDict) {
      // state is __dict__, or (__dict__, slots) for objects with __slots__.
      const parts = Array.isArray(state) ? state : [state];
      for (const part of parts) {
        if (part === null) continue;
        if (!(part instanceof PyDict)) this.fail(`cannot BUILD a ${target.className} from this state`);
        this.spend(part.size);
        for (const [k, v] of part) {
          // argparse.Namespace keeps its fields as attributes: expose them as items.
          if (target.className === 'Namespace') target.set(k, v);
          else target.attributes.set(nameOf(k), v);
        }
      }
      return;
    }
    if (isTensor(target)) return; // tensor python attributes (rare) are irrelevant to the data
    if (isNumpyDtype(target)) {
      if (Array.isArray(state) && typeof state[1] === 'string' && ['<', '>', '|', '='].includes(state[1])) {
        target.byteOrder = state[1] as NumpyDtype['byteOrder'];
      }
      return;
    }
    this.fail('BUILD on a value that is not an object');
  }

  persistentLoad(pid: PyValue): PyValue {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') this.fail('unsupported persistent id (expected a torch storage)');
    const [, type, key, , numel] = pid as PyValue[];
    if (!(type instanceof PyGlobal) || this.kind(type) !== 'storage') this.fail('storage persistent id without a storage type');
    if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key) || key.includes('..'))
      // Never stringify a non-string key: a pickle can nest lists thousands deep (JSON.stringify overflowed the stack).
      this.fail(
        `bad storage key ${typeof key === 'string' ? JSON.stringify(key.slice(0, 80)) : `(a ${Array.isArray(key) ? 'list' : typeof key}, not a string)`}`,
      );
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) this.fail(`storage ${key as string} has a bad size`);
    const dtype = STORAGE_DTYPES[(type as PyGlobal).name];
    const existing = this.storages.get(key as string);
    if (existing) {
      if (existing.dtype !== dtype) this.fail(`storage ${key as string} is used with two dtypes`);
      return existing;
    }
    const storage: StorageRef = { kind: 'storage', key: key as string, dtype, numel: numel as number };
    this.storages.set(key as string, storage);
    return storage;
  }

  private rebuildTensor(args: PyValue[]): TensorRef {
    const [storage, offset, shape, stride] = args;
    if (!isStorage(storage)) this.fail('_rebuild_tensor without a storage');
    const dims = (v: PyValue, what: string): number[] => {
      if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
        this.fail(`tensor ${what} must be a tuple of non-negative integers`);
      }
      return v as number[];
    };
    const shapeDims = dims(shape, 'shape');
    const strideDims = dims(stride, 'stride');
    if (shapeDims.length !== strideDims.length) this.fail('tensor shape and stride have different lengths');
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) this.fail('bad tensor storage offset');
    const s = storage as StorageRef;
    const numel = shapeDims.reduce((a, b) => a * b, 1);
    if (numel > 0) {
      let last = offset as number;
      for (let i = 0; i < shapeDims.length; i++) last += (shapeDims[i] - 1) * strideDims[i];
      if (!Number.isSafeInteger(last) || last >= s.numel) {
        this.fail(`tensor [${shapeDims.join(',')}] at offset ${offset as number} overruns its storage ${s.key} of ${s.numel} elements`);
      }
    }
    return { kind: 'tensor', storage: s, offset: offset as number, shape: shapeDims, stride: strideDims };
  }

  private encode(callable: PyGlobal, args: PyValue[]): Uint8Array {
    const [value, encoding] = args;
    if (value instanceof Uint8Array) return value.slice();
    if (args.length === 0) return new Uint8Array(0);
    if (typeof value !== 'string') return this.fail(`${callable.qualifiedName} of a non-string`);
    const enc = typeof encoding === 'string' ? encoding.toLowerCase() : 'utf-8';
    if (enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1') {
      const out = new Uint8Array(value.length);
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c > 255) this.fail('latin1 text with a character above U+00FF');
        out[i] = c;
      }
      return out;
    }
    if (enc === 'utf-8' || enc === 'utf8') return new TextEncoder().encode(value);
    return this.fail(`${callable.qualifiedName} with unsupported encoding ${enc}`);
  }

  private numpyScalar(args: PyValue[]): number | bigint | boolean {
    const [dtype, raw] = args;
    if (!isNumpyDtype(dtype) || !(raw instanceof Uint8Array)) this.fail('numpy scalar without dtype and bytes');
    const d = dtype as NumpyDtype;
    const bytes = raw as Uint8Array;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const little = d.byteOrder !== '>';
    const size = Number(d.code.slice(1));
    if (bytes.length !== size) this.fail(`numpy scalar ${d.code} has ${bytes.length} bytes`);
    switch (d.code) {
      case 'f2':
        return halfToFloat(view.getUint16(0, little));
      case 'f4':
        return view.getFloat32(0, little);
      case 'f8':
        return view.getFloat64(0, little);
      case 'i1':
        return view.getInt8(0);
      case 'i2':
        return view.getInt16(0, little);
      case 'i4':
        return view.getInt32(0, little);
      case 'i8':
        return safeNumber(view.getBigInt64(0, little));
      case 'u1':
        return view.getUint8(0);
      case 'u2':
        return view.getUint16(0, little);
      case 'u4':
        return view.getUint32(0, little);
      case 'u8':
        return safeNumber(view.getBigUint64(0, little));
      case 'b1':
        return view.getUint8(0) !== 0;
      default:
        return this.fail(`numpy scalar of unsupported dtype ${d.code}`);
    }
  }
}

function safeNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function isTensor(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && (v as { kind?: unknown }).kind === 'tensor';
}

function isStorage(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && (v as { kind?: unknown }).kind === 'storage';
}

function isNumpyDtype(v: unknown): v is NumpyDtype {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && (v as { kind?: unknown }).kind === 'numpy-dtype';
}
