/** Inert values a safe unpickle produces: nothing here can run code. */

/** A module-level name the pickle refers to (only ever an allow-listed one). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** dict / OrderedDict / defaultdict / AttributeDict / argparse.Namespace: items plus BUILD attributes. */
export class PyDict extends Map<PyValue, PyValue> {
  readonly attributes = new Map<string, PyValue>();
  constructor(readonly className = 'dict') {
    super();
  }
}

/** Same object whenever the pickle refers to the same storage key (views share storage). */
export interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: string;
  readonly numel: number;
}

export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  /** In elements of the storage's dtype. */
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

/** A numpy scalar's dtype while it is being rebuilt (`numpy.dtype('<f8')`). */
export interface NumpyDtype {
  readonly kind: 'numpy-dtype';
  code: string;
  byteOrder: '<' | '>' | '|' | '=';
}

export type PyValue =
  null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict | PyGlobal | StorageRef | TensorRef | NumpyDtype;

/**
 * A value as text where a name is expected (dict key, device, path part). Never recursive: a
 * hostile pickle can nest tuples 100,000 deep, which `String(value)` would overflow the stack on.
 */
export function nameOf(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return `<tuple of ${value.length}>`;
  if (value instanceof PyDict) return `<${value.className}>`;
  if (value instanceof PyGlobal) return value.qualifiedName;
  return `<${value.kind}>`;
}
