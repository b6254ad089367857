import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../../src/io/host-tensor.js';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { expectFormatError } from './expect-format-error.js';
import { PickleBuilder, torchCheckpointEntries, writeTorchCheckpoint, type StridedTensor } from './torch-writer.js';
import { buildZip } from './zip-writer.js';

const FILE = 'model.pt';

function tensor(shape: number[], first = 0): HostTensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: count }, (_, i) => first + i * 0.5) };
}

function plain(tensors: Map<string, HostTensor>) {
  return Object.fromEntries([...tensors].map(([name, t]) => [name, { shape: t.shape, data: [...t.data] }]));
}

const stateDict = new Map<string, HostTensor>([
  ['conv.weight', tensor([4, 2, 3, 3, 3])],
  ['conv.bias', tensor([4], 100)],
  ['scalar', tensor([], 7)],
  ['empty', tensor([0, 3])],
]);

describe('readTorchCheckpoint', () => {
  it('loads a state dict with any prefix, from cpu or cuda:0', () => {
    for (const options of [{}, { prefix: 'vae', location: 'cuda:0' }, { prefix: 'x', location: 'mps', byteOrder: 'little' }]) {
      expect(plain(readTorchCheckpoint(writeTorchCheckpoint(stateDict, options), FILE))).toEqual(plain(stateDict));
    }
  });

  it('loads ZIP64 archives with data descriptors', () => {
    const bytes = writeTorchCheckpoint(stateDict, { zip64: true, dataDescriptor: true });
    expect(plain(readTorchCheckpoint(bytes, FILE))).toEqual(plain(stateDict));
  });

  it('returns aligned Float32Arrays even when the archive view is unaligned', () => {
    const bytes = writeTorchCheckpoint(stateDict);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const loaded = readTorchCheckpoint(shifted.subarray(1), FILE);
    expect(plain(loaded)).toEqual(plain(stateDict));
    expect(loaded.get('conv.bias')!.data.byteOffset % 4).toBe(0);
  });

  it('applies storage offset and non-contiguous strides', () => {
    const storage = Float32Array.from({ length: 12 }, (_, i) => i);
    const views = new Map<string, StridedTensor>([
      // the transpose of a 3x4 matrix
      ['transposed', { storage, offset: 0, shape: [4, 3], stride: [1, 4] }],
      // row 1 of the 3x4 matrix, sharing the same storage
      ['row', { storage, offset: 4, shape: [4], stride: [1] }],
      // every other column of rows 1..2
      ['strided', { storage, offset: 4, shape: [2, 2], stride: [4, 2] }],
      // a broadcast (stride 0) view
      ['broadcast', { storage, offset: 2, shape: [2, 3], stride: [0, 1] }],
      // size-1 dimension with an arbitrary stride is still contiguous
      ['unit', { storage, offset: 8, shape: [1, 4], stride: [99, 1] }],
      ['element', { storage, offset: 11, shape: [], stride: [] }],
    ]);
    const loaded = readTorchCheckpoint(writeTorchCheckpoint(views), FILE);
    expect([...loaded.get('transposed')!.data]).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect([...loaded.get('row')!.data]).toEqual([4, 5, 6, 7]);
    expect([...loaded.get('strided')!.data]).toEqual([4, 6, 8, 10]);
    expect([...loaded.get('broadcast')!.data]).toEqual([2, 3, 4, 2, 3, 4]);
    expect([...loaded.get('unit')!.data]).toEqual([8, 9, 10, 11]);
    expect(loaded.get('element')).toEqual({ shape: [], data: Float32Array.of(11) });
  });

  it('refuses views that reach past their storage', () => {
    const storage = new Float32Array(6);
    const views = new Map([['w', { storage, offset: 1, shape: [2, 3], stride: [3, 1] }]]);
    expectFormatError(() => readTorchCheckpoint(writeTorchCheckpoint(views), FILE), FILE, /tensor 'w': .*reaches element 6 of a 6-element storage/);
  });

  it('refuses a broadcast view larger than its storage before allocating (no 4 GiB, no RangeError)', () => {
    const storage = Float32Array.of(1);
    for (const extent of [2 ** 30, 2 ** 33, Number.MAX_SAFE_INTEGER]) {
      const views = new Map([['w', { storage, offset: 0, shape: [extent], stride: [0] }]]);
      const started = performance.now();
      expectFormatError(() => readTorchCheckpoint(writeTorchCheckpoint(views), FILE), FILE, /tensor 'w': size \[\d+\] has \d+ elements but its storage holds 1 \(a broadcast/);
      expect(performance.now() - started).toBeLessThan(5_000);
    }
    const huge = new Map([['w', { storage, offset: 0, shape: [2 ** 20, 2 ** 20, 2 ** 20], stride: [0, 0, 0] }]]);
    expectFormatError(() => readTorchCheckpoint(writeTorchCheckpoint(huge), FILE), FILE, /but its storage holds 1/);
  });

  it('shares one tensor among the keys that name it through the pickle memo', () => {
    const storage = Float32Array.from({ length: 1000 }, (_, i) => i);
    const pickle = new PickleBuilder().proto().orderedDict().mark().unicode('first');
    rebuildCall(pickle, '0', storage.length, [1000]).op(0x71, 0); // BINPUT 0
    for (let key = 0; key < 300; key++) pickle.unicode(`tied.${key}`).op(0x68, 0); // BINGET 0
    const bytes = buildZip([
      { name: 'archive/data.pkl', data: pickle.op(0x75).stop().build() },
      { name: 'archive/data/0', data: new Uint8Array(storage.buffer) },
    ]);
    const loaded = readTorchCheckpoint(bytes, FILE);
    expect(loaded.size).toBe(301);
    const first = loaded.get('first')!;
    expect([...first.data.subarray(0, 3)]).toEqual([0, 1, 2]);
    for (const [, t] of loaded) expect(t).toBe(first);
  });

  it('keeps contiguous views of one storage as views of one copy', () => {
    const storage = Float32Array.from({ length: 12 }, (_, i) => i);
    const views = new Map<string, StridedTensor>([
      ['all', { storage, offset: 0, shape: [3, 4], stride: [4, 1] }],
      ['row', { storage, offset: 4, shape: [4], stride: [1] }],
    ]);
    const loaded = readTorchCheckpoint(writeTorchCheckpoint(views), FILE);
    expect(loaded.get('row')!.data.buffer).toBe(loaded.get('all')!.data.buffer);
  });

  it('refuses strided views that together need more bytes than the file has', () => {
    const storage = Float32Array.from({ length: 4096 }, (_, i) => i);
    const pickle = new PickleBuilder().proto().orderedDict().mark();
    for (let key = 0; key < 200; key++) rebuildCall(pickle.unicode(`t${key}`), '0', storage.length, [64, 64], [1, 64]);
    const bytes = buildZip([
      { name: 'archive/data.pkl', data: pickle.op(0x75).stop().build() },
      { name: 'archive/data/0', data: new Uint8Array(storage.buffer) },
    ]);
    expectFormatError(() => readTorchCheckpoint(bytes, FILE), FILE, /strided views together would need more bytes than the file has/);
  });

  it('quotes hostile tensor names: escaped and cut', () => {
    const views = new Map([[`evil\n\x1b[2J${'n'.repeat(10_000)}`, { storage: new Float32Array(2), offset: 0, shape: [2], stride: [1], storageType: 'HalfStorage' }]]);
    expectFormatError(() => readTorchCheckpoint(writeTorchCheckpoint(views), FILE), FILE, /tensor 'evil\\n\\x1b\[2Jnnn+\.\.\.' \(10009 characters\): stored as/);
  });

  it('refuses a truncated archive', () => {
    const bytes = writeTorchCheckpoint(stateDict);
    expectFormatError(() => readTorchCheckpoint(bytes.subarray(0, bytes.length - 40), FILE), FILE, /truncated/);
    expectFormatError(() => readTorchCheckpoint(bytes.subarray(0, 1000), FILE), FILE, /truncated/);
  });

  it('refuses a pickle with a foreign global, naming it', () => {
    const pickle = new PickleBuilder().proto().global('os', 'system').mark().unicode('rm -rf /').tuple().reduce().stop().build();
    const bytes = buildZip([{ name: 'archive/data.pkl', data: pickle }]);
    expectFormatError(() => readTorchCheckpoint(bytes, FILE), FILE, /pickle global 'os system' is not allowed/);
  });

  it('refuses an unknown opcode', () => {
    const pickle = new PickleBuilder().proto().op(0x6f).stop().build(); // OBJ
    const bytes = buildZip([{ name: 'archive/data.pkl', data: pickle }]);
    expectFormatError(() => readTorchCheckpoint(bytes, FILE), FILE, /unsupported pickle opcode 0x6f/);
  });

  it('refuses a missing storage entry, naming the tensor', () => {
    const entries = torchCheckpointEntries(stateDict).filter((entry) => entry.name !== 'archive/data/1');
    expectFormatError(() => readTorchCheckpoint(buildZip(entries), FILE), FILE, /tensor 'conv.bias': storage entry 'archive\/data\/1' is missing/);
  });

  it('refuses a storage whose size disagrees with its numel', () => {
    const entries = torchCheckpointEntries(stateDict).map((entry) =>
      entry.name === 'archive/data/1' ? { ...entry, data: entry.data.subarray(4) } : entry,
    );
    expectFormatError(() => readTorchCheckpoint(buildZip(entries), FILE), FILE, /tensor 'conv.bias': .*12 bytes, expected 4 floats \(16 bytes\)/);
  });

  it('refuses big-endian checkpoints', () => {
    expectFormatError(() => readTorchCheckpoint(writeTorchCheckpoint(stateDict, { byteOrder: 'big' }), FILE), FILE, /byte order is 'big'/);
  });

  it('refuses non-float32 storages, naming the tensor', () => {
    const views = new Map([['half', { storage: new Float32Array(2), offset: 0, shape: [4], stride: [1], storageType: 'HalfStorage' }]]);
    expectFormatError(() => readTorchCheckpoint(writeTorchCheckpoint(views), FILE), FILE, /tensor 'half': stored as torch HalfStorage; only float32/);
  });

  it('refuses archives without exactly one data.pkl', () => {
    expectFormatError(() => readTorchCheckpoint(buildZip([{ name: 'a.txt', data: new Uint8Array(3) }]), FILE), FILE, /found 0/);
  });

  it('reads the real CH feature-predictor checkpoint (copied from the fixtures)', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../fixtures/fp-ch.pt', import.meta.url)));
    const tensors = readTorchCheckpoint(bytes, 'fp-ch.pt');
    expect([...tensors].map(([name, t]) => [name, t.shape])).toEqual([
      ['fc1.weight', [8, 16]],
      ['fc1.bias', [8]],
      ['fc2.weight', [4, 8]],
      ['fc2.bias', [4]],
      ['fc3.weight', [7, 4]],
      ['fc3.bias', [7]],
    ]);
    // First values as read by Python's struct from fp/data/0.
    expect([...tensors.get('fc1.weight')!.data.subarray(0, 3)]).toEqual([0.06378763914108276, -0.2313925325870514, 0.1777426302433014]);
  });
});

/** Appends `_rebuild_tensor_v2(persid('storage', FloatStorage, key, 'cpu', numel), 0, shape, stride, False, OrderedDict())`. */
function rebuildCall(pickle: PickleBuilder, key: string, numel: number, shape: number[], stride = [1]): PickleBuilder {
  pickle.global('torch._utils', '_rebuild_tensor_v2').mark();
  pickle.mark().unicode('storage').global('torch', 'FloatStorage').unicode(key).unicode('cpu').int(numel).tuple().op(0x51);
  return pickle.int(0).intTuple(shape).intTuple(stride).op(0x89).orderedDict().tuple().reduce();
}
