import { CheckpointError } from './errors.ts';
import { PyDict, PyGlobal, type PyValue } from './pickle-values.ts';

/**
 * A pickle virtual machine that never executes anything. GLOBAL names go through the policy's
 * allow-list, and REDUCE / NEWOBJ / BUILD / persistent ids are interpreted by the policy as plain
 * data constructors. Iterative (no recursion), with bounded stack, mark and memo sizes.
 */
export interface UnpicklePolicy {
  /** Return an inert reference, or throw for a name that is not allowed. */
  resolveGlobal(module: string, name: string): PyGlobal;
  reduce(callable: PyGlobal, args: PyValue[]): PyValue;
  newObject(cls: PyGlobal, args: PyValue[]): PyValue;
  build(target: PyValue, state: PyValue): void;
  persistentLoad(pid: PyValue): PyValue;
}

export interface UnpickleLimits {
  maxStack: number;
  maxMarks: number;
  maxMemo: number;
}

export const DEFAULT_LIMITS: UnpickleLimits = { maxStack: 10_000_000, maxMarks: 100_000, maxMemo: 10_000_000 };

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

export function unpickle(file: string, data: Uint8Array, policy: UnpicklePolicy, limits: UnpickleLimits = DEFAULT_LIMITS): PyValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let pos = 0;
  let stack: Slot[] = [];
  const marks: Slot[][] = [];
  /** Items held in segments below the open MARKs, so the limit covers the whole stack. */
  let below = 0;
  const memo = new Map<number, PyValue>();

  const fail = (problem: string): never => {
    throw new CheckpointError(file, `pickle: ${problem} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > data.length) fail(`truncated data (needs ${n} bytes)`);
  };
  const u8 = () => {
    need(1);
    return data[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail('length field larger than the pickle');
    return Number(v);
  };
  const bytes = (n: number) => {
    need(n);
    const out = data.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const text = (n: number) => {
    const raw = bytes(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: Slot) => {
    if (stack.length + below >= limits.maxStack) fail('stack limit exceeded');
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop()!;
    if (v === MARK) fail('unexpected MARK');
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (stack.length === 0 || v === MARK) fail('stack underflow');
    return v as PyValue;
  };
  /** Items pushed since the last MARK; restores the stack below the mark. */
  const popMark = (): PyValue[] => {
    const items = stack as PyValue[];
    const restored = marks.pop();
    if (!restored) fail('no MARK on the stack');
    stack = restored!;
    below -= stack.length;
    return items;
  };
  const memoPut = (index: number) => {
    if (memo.size >= limits.maxMemo && !memo.has(index)) fail('memo limit exceeded');
    memo.set(index, top());
  };
  const memoGet = (index: number) => {
    if (!memo.has(index)) fail(`memo entry ${index} is missing`);
    push(memo.get(index)!);
  };
  const asGlobal = (v: PyValue, what: string): PyGlobal => {
    if (!(v instanceof PyGlobal)) fail(`${what} applied to a non-global value`);
    return v as PyGlobal;
  };
  const asList = (v: PyValue, what: string): PyValue[] => {
    if (!Array.isArray(v)) fail(`${what} on a value that is not a list`);
    return v as PyValue[];
  };
  const asDict = (v: PyValue): PyDict => {
    if (!(v instanceof PyDict)) fail('SETITEM on a value that is not a dict');
    return v as PyDict;
  };
  const setItems = (dict: PyDict, items: PyValue[]) => {
    if (items.length % 2 !== 0) fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const int = (raw: Uint8Array): number | bigint => {
    if (raw.length === 0) return 0;
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw[raw.length - 1] & 0x80) value -= 1n << BigInt(raw.length * 8);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: just a length hint
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        if (marks.length >= limits.maxMarks) fail('MARK nesting limit exceeded');
        marks.push(stack);
        below += stack.length;
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x4a: // BININT
        push(u32() | 0);
        break;
      case 0x8a: // LONG1
        push(int(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 1024) fail('integer too large');
        push(int(bytes(n)));
        break;
      }
      case 0x49: {
        // INT (text; "01"/"00" are booleans)
        const s = line();
        if (s === '01' || s === '00') push(s === '01');
        else if (/^-?\d+$/.test(s)) push(Number(s));
        else fail('bad INT');
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x54: // BINSTRING (python 2 str)
        push(latin1.decode(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(bytes(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        push([]);
        break;
      case 0x85: // TUPLE1
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        push(dict);
        break;
      }
      case 0x8f: // EMPTY_SET: a set is kept as a list of its members
        push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = asList(top(), 'ADDITEMS');
        for (const item of items) set.push(item);
        break;
      }
      case 0x91: // FROZENSET
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        asList(top(), 'APPEND').push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = asList(top(), 'APPENDS');
        for (const item of items) list.push(item);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        asDict(top()).set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(asDict(top()), items);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x70: {
        // PUT (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail('bad PUT');
        memoPut(Number(s));
        break;
      }
      case 0x68: // BINGET
        memoGet(u8());
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32());
        break;
      case 0x67: {
        // GET (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail('bad GET');
        memoGet(Number(s));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(policy.resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(policy.resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = asList(pop(), 'REDUCE');
        const callable = asGlobal(pop(), 'REDUCE');
        push(policy.reduce(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = asList(pop(), 'NEWOBJ');
        const cls = asGlobal(pop(), 'NEWOBJ');
        push(policy.newObject(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = asList(pop(), 'NEWOBJ_EX');
        const cls = asGlobal(pop(), 'NEWOBJ_EX');
        if (!(kwargs instanceof PyDict) || kwargs.size > 0) fail('NEWOBJ_EX with keyword arguments is not supported');
        push(policy.newObject(cls, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        policy.build(top(), state);
        break;
      }
      case 0x51: // BINPERSID
        push(policy.persistentLoad(pop()));
        break;
      case 0x50: // PERSID (text)
        push(policy.persistentLoad(line()));
        break;
      default:
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
