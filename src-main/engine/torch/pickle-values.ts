/** Inert values a safe unpickle produces: nothing here can run code. */

/** A module-level name the pickle refers to (only ever an allow-listed one). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
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
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyDict
  | PyGlobal
  | StorageRef
  | TensorRef
  | NumpyDtype;
