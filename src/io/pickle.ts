import { FormatError, quote } from '../errors.js';

/**
 * A strict unpickler for PyTorch state dicts. It interprets a pickle as data only:
 * it knows a fixed set of opcodes and globals, never calls anything, and refuses
 * everything else by name. `torch.save` writes protocol 2; the few protocol-4 opcodes
 * are accepted for files saved with a higher `pickle_protocol`.
 */

export type PickleKey = null | boolean | number | string;

/**
 * What a pickle can hold here. Tuples are frozen arrays, lists mutable ones;
 * dicts and OrderedDicts are Maps; `P` is whatever `persistentLoad` returns.
 */
export type PickleValue<P> =
  | PickleKey
  | P
  | PickleGlobal
  | PickleCall<P>
  | readonly PickleValue<P>[]
  | Map<PickleKey, PickleValue<P>>;

/** A reference to one of the allowed globals; only OrderedDict and the tensor rebuild may be REDUCEd. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}

  get qualifiedName(): string {
    return `${this.module} ${this.name}`;
  }
}

/** A recorded call `callee(*args)`, left to the caller to interpret. */
export class PickleCall<P> {
  constructor(readonly callee: PickleGlobal, readonly args: readonly PickleValue<P>[]) {}
}

const ORDERED_DICT = 'collections OrderedDict';
export const REBUILD_TENSOR = 'torch._utils _rebuild_tensor_v2';

/**
 * Storage classes name a tensor's dtype inside its persistent id. Only FloatStorage
 * is loadable, but the others are let through as inert markers so that the
 * checkpoint reader can name the offending tensor instead of failing here.
 */
const STORAGE_TYPES = [
  'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage',
  'ShortStorage', 'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage',
];
const ALLOWED_GLOBALS = new Set([ORDERED_DICT, REBUILD_TENSOR, ...STORAGE_TYPES.map((type) => `torch ${type}`)]);

const OP = {
  PROTO: 0x80, FRAME: 0x95, STOP: 0x2e,
  GLOBAL: 0x63, STACK_GLOBAL: 0x93,
  BINPUT: 0x71, LONG_BINPUT: 0x72, MEMOIZE: 0x94, BINGET: 0x68, LONG_BINGET: 0x6a,
  MARK: 0x28, EMPTY_TUPLE: 0x29, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  EMPTY_LIST: 0x5d, APPEND: 0x61, APPENDS: 0x65,
  EMPTY_DICT: 0x7d, SETITEM: 0x73, SETITEMS: 0x75,
  BINUNICODE: 0x58, SHORT_BINUNICODE: 0x8c, BINSTRING: 0x54, SHORT_BINSTRING: 0x55,
  BININT1: 0x4b, BININT2: 0x4d, BININT: 0x4a, LONG1: 0x8a, BINFLOAT: 0x47,
  NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89,
  BINPERSID: 0x51, REDUCE: 0x52, BUILD: 0x62,
} as const;

const HIGHEST_PROTOCOL = 5;

/**
 * What building a value may cost, in (approximate, V8) heap bytes. A pickle may
 * spend at most MEMORY_PER_INPUT_BYTE of them per byte it has: real state dicts
 * need ~8 (one container or memo entry per ~15 bytes), while a file of nothing but
 * `}` would otherwise make ~190 bytes of Map from each of its bytes.
 */
const COST = { dict: 192, list: 32, tuple: 48, item: 8, memo: 64 } as const;
const MEMORY_PER_INPUT_BYTE = 32;
const MEMORY_FLOOR = 1 << 16;

/** Empty tuples are immutable, so one object serves them all. */
const EMPTY_TUPLE: readonly never[] = Object.freeze([]);

/** An OrderedDict: a Map that BUILD may set attributes on (which are ignored). */
class OrderedDict<K, V> extends Map<K, V> {}

export function unpickle<P>(bytes: Uint8Array, file: string, persistentLoad: (id: PickleValue<P>) => P): PickleValue<P> {
  return new Unpickler<P>(bytes, file, persistentLoad).run();
}

class Unpickler<P> {
  private position = 0;
  private stack: PickleValue<P>[] = [];
  private marks: number[] = [];
  private memo = new Map<number, PickleValue<P>>();
  /** Heap bytes the values built so far may still take (see COST). */
  private memoryLeft: number;
  private view: DataView;
  private utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(private bytes: Uint8Array, private file: string, private persistentLoad: (id: PickleValue<P>) => P) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.memoryLeft = bytes.length * MEMORY_PER_INPUT_BYTE + MEMORY_FLOOR;
  }

  run(): PickleValue<P> {
    for (;;) {
      const opcodeAt = this.position;
      const opcode = this.u8();
      if (opcode === OP.STOP) return this.finish();
      this.step(opcode, opcodeAt);
    }
  }

  private step(opcode: number, opcodeAt: number): void {
    switch (opcode) {
      case OP.PROTO: {
        const protocol = this.u8();
        if (protocol > HIGHEST_PROTOCOL) throw this.error(`unsupported pickle protocol ${protocol}`);
        return;
      }
      case OP.FRAME: {
        // Frames only group opcodes for buffered reading; the content is parsed as usual.
        const frameLength = this.u64();
        if (this.position + frameLength > this.bytes.length) throw this.error('pickle frame runs past the end (truncated?)');
        return;
      }
      case OP.GLOBAL:
        return this.push(this.global(this.line(), this.line()));
      case OP.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw this.error('STACK_GLOBAL needs two strings');
        return this.push(this.global(module, name));
      }
      case OP.BINPUT:
        return this.memoize(this.u8());
      case OP.LONG_BINPUT:
        return this.memoize(this.u32());
      case OP.MEMOIZE:
        return this.memoize(this.memo.size);
      case OP.BINGET:
        return this.push(this.recall(this.u8()));
      case OP.LONG_BINGET:
        return this.push(this.recall(this.u32()));
      case OP.MARK:
        this.marks.push(this.stack.length);
        return;
      case OP.EMPTY_TUPLE:
        return this.push(EMPTY_TUPLE);
      case OP.TUPLE:
        return this.push(this.tuple(this.popToMark()));
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3:
        return this.push(this.tuple(this.popMany(opcode - OP.TUPLE1 + 1)));
      case OP.EMPTY_LIST:
        this.spend(COST.list);
        return this.push([]);
      case OP.APPEND:
        return this.appendTo(this.popMany(1));
      case OP.APPENDS:
        return this.appendTo(this.popToMark());
      case OP.EMPTY_DICT:
        this.spend(COST.dict);
        return this.push(new Map());
      case OP.SETITEM:
        return this.setItems(this.popMany(2));
      case OP.SETITEMS:
        return this.setItems(this.popToMark());
      case OP.BINUNICODE:
        return this.push(this.text(this.u32(), 'BINUNICODE'));
      case OP.SHORT_BINUNICODE:
        return this.push(this.text(this.u8(), 'SHORT_BINUNICODE'));
      case OP.BINSTRING: {
        const length = this.view.getInt32(this.advance(4), true);
        if (length < 0) throw this.error('negative BINSTRING length');
        return this.push(this.ascii(length));
      }
      case OP.SHORT_BINSTRING:
        return this.push(this.ascii(this.u8()));
      case OP.BININT1:
        return this.push(this.u8());
      case OP.BININT2:
        return this.push(this.view.getUint16(this.advance(2), true));
      case OP.BININT:
        return this.push(this.view.getInt32(this.advance(4), true));
      case OP.LONG1:
        return this.push(this.long(this.u8()));
      case OP.BINFLOAT:
        return this.push(this.view.getFloat64(this.advance(8), false));
      case OP.NONE:
        return this.push(null);
      case OP.NEWTRUE:
        return this.push(true);
      case OP.NEWFALSE:
        return this.push(false);
      case OP.BINPERSID:
        return this.push(this.persistentLoad(this.pop()));
      case OP.REDUCE: {
        const args = this.pop();
        const callable = this.pop();
        return this.push(this.reduce(callable, args));
      }
      case OP.BUILD:
        return this.build();
      default:
        throw this.error(`unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')} (${describeByte(opcode)})`, opcodeAt);
    }
  }

  private finish(): PickleValue<P> {
    if (this.marks.length > 0) throw this.error('pickle STOP with an open MARK');
    if (this.stack.length !== 1) throw this.error(`pickle STOP with ${this.stack.length} values on the stack, expected 1`);
    if (this.position !== this.bytes.length) throw this.error(`${this.bytes.length - this.position} bytes after pickle STOP`);
    return this.stack[0]!;
  }

  private global(module: string, name: string): PickleGlobal {
    const qualifiedName = `${module} ${name}`;
    if (!ALLOWED_GLOBALS.has(qualifiedName)) throw this.error(`pickle global ${quote(qualifiedName)} is not allowed`);
    return new PickleGlobal(module, name);
  }

  /** Only two callables exist here: OrderedDict() and tensor rebuilds (recorded, not run). */
  private reduce(callable: PickleValue<P>, args: PickleValue<P>): PickleValue<P> {
    if (!(callable instanceof PickleGlobal)) throw this.error('REDUCE on something that is not a global');
    if (!isTuple(args)) throw this.error(`REDUCE of ${callable.qualifiedName} without an argument tuple`);
    switch (callable.qualifiedName) {
      case ORDERED_DICT: {
        if (args.length !== 0) throw this.error(`${ORDERED_DICT} called with arguments; only OrderedDict() is supported`);
        this.spend(COST.dict);
        return new OrderedDict<PickleKey, PickleValue<P>>();
      }
      case REBUILD_TENSOR:
        this.spend(COST.tuple);
        return new PickleCall(callable, args);
      default:
        throw this.error(`REDUCE on '${callable.qualifiedName}' is not allowed`);
    }
  }

  /**
   * BUILD on an OrderedDict sets instance attributes, which never change its items:
   * torch stores module versions there (`_metadata`), which a loader does not need.
   */
  private build(): void {
    const state = this.pop();
    const target = this.stack.at(-1);
    if (!(target instanceof OrderedDict)) throw this.error('BUILD on something other than an OrderedDict');
    if (!(state instanceof Map)) throw this.error('BUILD state of an OrderedDict must be a dict');
  }

  private appendTo(items: PickleValue<P>[]): void {
    const list = this.stack.at(-1);
    // Tuples are frozen: an unfrozen array is a list.
    if (!Array.isArray(list) || Object.isFrozen(list)) throw this.error('APPEND to something that is not a list');
    this.spend(COST.item * items.length);
    for (const item of items) (list as PickleValue<P>[]).push(item);
  }

  private setItems(items: PickleValue<P>[]): void {
    if (items.length % 2 !== 0) throw this.error('SETITEMS with an odd number of values');
    const dict = this.stack.at(-1);
    if (!(dict instanceof Map)) throw this.error('SETITEM on something that is not a dict');
    this.spend(COST.item * items.length);
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (!isKey(key)) throw this.error('dict key is not a string, number, boolean or None');
      dict.set(key, items[i + 1]!);
    }
  }

  private memoize(index: number): void {
    if (this.stack.length === 0) throw this.error('memo store with an empty stack');
    if (!this.memo.has(index)) this.spend(COST.memo);
    this.memo.set(index, this.stack.at(-1)!);
  }

  private tuple(items: PickleValue<P>[]): readonly PickleValue<P>[] {
    this.spend(COST.tuple + COST.item * items.length);
    return Object.freeze(items);
  }

  private spend(bytes: number): void {
    this.memoryLeft -= bytes;
    if (this.memoryLeft < 0) {
      throw this.error(`pickle builds more objects than its ${this.bytes.length} bytes can describe (a crafted file?)`);
    }
  }

  private recall(index: number): PickleValue<P> {
    if (!this.memo.has(index)) throw this.error(`memo ${index} read before it was written`);
    return this.memo.get(index)!;
  }

  private push(value: PickleValue<P>): void {
    this.stack.push(value);
  }

  private pop(): PickleValue<P> {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) throw this.error('pickle stack underflow');
    return this.stack.pop()!;
  }

  private popMany(count: number): PickleValue<P>[] {
    if (this.stack.length - count < (this.marks.at(-1) ?? 0)) throw this.error('pickle stack underflow');
    return this.stack.splice(this.stack.length - count, count);
  }

  private popToMark(): PickleValue<P>[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.error('pickle opcode needs a MARK but there is none');
    return this.stack.splice(mark);
  }

  private long(length: number): number {
    const start = this.advance(length);
    let value = 0n;
    for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[start + i]!);
    if (length > 0 && this.bytes[start + length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      // A LONG1 may hold 255 bytes: 600 digits are not worth printing.
      throw this.error(`integer of ${length} bytes (${quote(value.toString())}) is beyond the safe-integer range`);
    }
    return Number(value);
  }

  private text(length: number, opcode: string): string {
    const start = this.advance(length);
    try {
      return this.utf8.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw this.error(`${opcode} string is not valid UTF-8`);
    }
  }

  /** Python 2 byte strings load as str with the default ASCII encoding. */
  private ascii(length: number): string {
    const start = this.advance(length);
    const chunk = this.bytes.subarray(start, start + length);
    if (chunk.some((byte) => byte > 0x7f)) throw this.error('byte string is not ASCII');
    return this.utf8.decode(chunk);
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) throw this.error('GLOBAL name without a newline (truncated?)');
    return this.ascii(end - this.position + 1).slice(0, -1);
  }

  private u8(): number {
    return this.bytes[this.advance(1)]!;
  }

  private u32(): number {
    return this.view.getUint32(this.advance(4), true);
  }

  private u64(): number {
    const value = this.view.getBigUint64(this.advance(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`length ${value} is too large`);
    return Number(value);
  }

  /** Claims `length` bytes and returns where they start. */
  private advance(length: number): number {
    const start = this.position;
    if (start + length > this.bytes.length) throw this.error('pickle ends early (truncated?)');
    this.position += length;
    return start;
  }

  private error(problem: string, at = this.position): FormatError {
    return new FormatError(this.file, `${problem} (pickle byte ${at})`);
  }
}

export function isTuple<P>(value: PickleValue<P>): value is readonly PickleValue<P>[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

function isKey<P>(value: PickleValue<P>): value is PickleKey {
  return value === null || ['boolean', 'number', 'string'].includes(typeof value);
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : 'non-printable';
}
