import { describe, expect, it } from 'vitest';
import { PickleCall, PickleGlobal, unpickle, type PickleValue } from '../../src/io/pickle.js';
import { expectFormatError } from './expect-format-error.js';
import { PickleBuilder } from './torch-writer.js';

const noPersistentIds = (): never => {
  throw new Error('unexpected persistent id');
};

function load(bytes: Uint8Array): PickleValue<never> {
  return unpickle<never>(bytes, 'x.pkl', noPersistentIds);
}

describe('unpickle', () => {
  it('builds plain values from protocol-2 opcodes', () => {
    const bytes = new PickleBuilder()
      .proto()
      .op(0x7d) // EMPTY_DICT
      .op(0x71, 0) // BINPUT 0
      .mark()
      .unicode('ints').mark().int(7).int(300).int(70000).int(-5).tuple()
      .unicode('flags').op(0x88, 0x89, 0x4e, 0x87) // NEWTRUE NEWFALSE NONE TUPLE3
      .unicode('pair').op(0x29, 0x29, 0x86) // (), () -> TUPLE2
      .unicode('same').op(0x68, 0) // BINGET 0
      .op(0x75) // SETITEMS
      .stop()
      .build();
    const value = load(bytes) as Map<string, PickleValue<never>>;
    expect(value.get('ints')).toEqual([7, 300, 70000, -5]);
    expect(value.get('flags')).toEqual([true, false, null]);
    expect(value.get('pair')).toEqual([[], []]);
    expect(value.get('same')).toBe(value);
    expect(Object.isFrozen(value.get('ints'))).toBe(true);
  });

  it('accepts the protocol 4 opcodes torch 2.x may emit', () => {
    const text = new TextEncoder().encode('hé');
    const bytes = new PickleBuilder()
      .proto(4)
      .op(0x95, 30, 0, 0, 0, 0, 0, 0, 0) // FRAME 30
      .op(0x5d, 0x94) // EMPTY_LIST MEMOIZE
      .mark()
      .op(0x8c, text.length, ...text) // SHORT_BINUNICODE
      .op(0x55, 2, 0x61, 0x62) // SHORT_BINSTRING 'ab'
      .op(0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0) // BINFLOAT 1.5
      .op(0x8a, 2, 0x00, 0xff) // LONG1 -256
      .op(0x65) // APPENDS
      .op(0x68, 0, 0x61) // BINGET 0, APPEND
      .op(0x2e)
      .build();
    const list = load(bytes) as PickleValue<never>[];
    expect(list.slice(0, 4)).toEqual(['hé', 'ab', 1.5, -256]);
    expect(list[4]).toBe(list);
  });

  it('records tensor rebuilds and hands persistent ids to the callback', () => {
    const bytes = new PickleBuilder()
      .proto()
      .global('torch._utils', '_rebuild_tensor_v2')
      .mark().mark().unicode('storage').global('torch', 'FloatStorage').unicode('0').tuple().op(0x51).int(0).tuple()
      .reduce()
      .stop()
      .build();
    const seen: PickleValue<string>[] = [];
    const value = unpickle<string>(bytes, 'x.pkl', (id) => {
      seen.push(id);
      return 'storage-ref';
    });
    expect(value).toBeInstanceOf(PickleCall);
    expect((value as PickleCall<string>).args).toEqual(['storage-ref', 0]);
    const id = seen[0] as PickleValue<string>[];
    expect(id[0]).toBe('storage');
    expect(id[1]).toEqual(new PickleGlobal('torch', 'FloatStorage'));
  });

  it('refuses foreign globals by name', () => {
    const bytes = new PickleBuilder().proto().global('os', 'system').mark().unicode('echo hi').tuple().reduce().stop().build();
    expectFormatError(() => load(bytes), 'x.pkl', /pickle global 'os system' is not allowed/);
    const evil = new PickleBuilder().proto().global('builtins', 'eval').stop().build();
    expectFormatError(() => load(evil), 'x.pkl', /'builtins eval' is not allowed/);
  });

  it('refuses torch._utils _rebuild_parameter', () => {
    const bytes = new PickleBuilder().proto().global('torch._utils', '_rebuild_parameter').stop().build();
    expectFormatError(() => load(bytes), 'x.pkl', /'torch._utils _rebuild_parameter' is not allowed/);
  });

  it('refuses REDUCE on an allowed but non-callable global', () => {
    const bytes = new PickleBuilder().proto().global('torch', 'FloatStorage').emptyTuple().reduce().stop().build();
    expectFormatError(() => load(bytes), 'x.pkl', /REDUCE on 'torch FloatStorage' is not allowed/);
  });

  it('refuses OrderedDict called with arguments', () => {
    const bytes = new PickleBuilder().proto().global('collections', 'OrderedDict').mark().int(1).tuple().reduce().stop().build();
    expectFormatError(() => load(bytes), 'x.pkl', /only OrderedDict\(\) is supported/);
  });

  it('refuses unknown opcodes, naming them', () => {
    const inst = new PickleBuilder().proto().op(0x69).stop().build(); // INST
    expectFormatError(() => load(inst), 'x.pkl', /unsupported pickle opcode 0x69 \('i'\) \(pickle byte 2\)/);
    const stackGlobalOnly = new PickleBuilder().proto().op(0x98).build();
    expectFormatError(() => load(stackGlobalOnly), 'x.pkl', /unsupported pickle opcode 0x98/);
  });

  it('refuses STACK_GLOBAL with foreign names too', () => {
    const bytes = new PickleBuilder().proto(4).unicode('os').unicode('system').op(0x93).stop().build();
    expectFormatError(() => load(bytes), 'x.pkl', /'os system' is not allowed/);
  });

  it('refuses BUILD on anything but an OrderedDict', () => {
    const bytes = new PickleBuilder().proto().op(0x7d, 0x7d, 0x62).stop().build();
    expectFormatError(() => load(bytes), 'x.pkl', /BUILD on something other than an OrderedDict/);
  });

  it('refuses malformed streams', () => {
    const cases: [number[], RegExp][] = [
      [[0x80, 2], /truncated/],
      [[0x80, 2, 0x4b, 1, 0x4b, 2, 0x2e], /2 values on the stack/],
      [[0x80, 2, 0x68, 5, 0x2e], /memo 5 read before it was written/],
      [[0x80, 2, 0x74, 0x2e], /needs a MARK/],
      [[0x80, 2, 0x4b, 1, 0x2e, 0x00], /1 bytes after pickle STOP/],
      [[0x80, 2, 0x4b, 1, 0x61, 0x2e], /APPEND to something that is not a list/],
      [[0x80, 2, 0x29, 0x4b, 1, 0x61, 0x2e], /APPEND to something that is not a list/],
      [[0x80, 2, 0x52, 0x2e], /stack underflow/],
      [[0x80, 9, 0x2e], /unsupported pickle protocol 9/],
    ];
    for (const [bytes, problem] of cases) expectFormatError(() => load(Uint8Array.from(bytes)), 'x.pkl', problem);
  });

  describe('work bounded by the input', () => {
    /** PROTO 2, `count` times `opcode`, STOP. */
    const repeated = (opcode: number, count: number) => {
      const bytes = new Uint8Array(count + 3).fill(opcode);
      bytes.set([0x80, 2]);
      bytes[count + 2] = 0x2e;
      return bytes;
    };

    it('takes linear time on millions of EMPTY_LIST (was 69 s at 4M)', () => {
      const started = performance.now();
      expectFormatError(() => load(repeated(0x5d, 4_000_000)), 'x.pkl', /STOP with 4000000 values on the stack/);
      expect(performance.now() - started).toBeLessThan(10_000);
    });

    it('refuses a pickle that builds more objects than its size justifies (10 MB of `}` made 2.2 GB)', () => {
      expectFormatError(() => load(repeated(0x7d, 1_000_000)), 'x.pkl', /builds more objects than its 1000003 bytes can describe/);
    });

    it('bounds the memo by the input too (MEMOIZE makes an entry per byte)', () => {
      const bytes = repeated(0x94, 1_000_000);
      bytes[2] = 0x4e; // NONE, to have something to memoize
      expectFormatError(() => load(bytes), 'x.pkl', /builds more objects than its 1000003 bytes can describe/);
    });

    it('refuses a 255-byte LONG1 without printing its 600 digits', () => {
      const bytes = new PickleBuilder().proto().op(0x8a, 255, ...new Array<number>(255).fill(0x7f)).stop().build();
      expectFormatError(() => load(bytes), 'x.pkl', /integer of 255 bytes \('\d{80}\.\.\.' \(\d+ characters\)\) is beyond the safe-integer range/);
    });

    it('quotes a huge hostile global name: escaped and cut to one short line', () => {
      const name = `\x1b[31m${'x'.repeat(1_000_000)}`;
      const bytes = Uint8Array.from(`\x80\x02cos\n${name}\n.`, (char) => char.charCodeAt(0));
      expectFormatError(() => load(bytes), 'x.pkl', /pickle global 'os \\x1b\[31mx+\.\.\.' \(1000008 characters\) is not allowed/);
      let message = '';
      try {
        load(bytes);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message.length).toBeLessThan(200);
    });
  });
});
