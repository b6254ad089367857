import { FormatError } from '../errors.js';
import { numel, type HostTensor } from './host-tensor.js';
import { isTuple, PickleCall, PickleGlobal, REBUILD_TENSOR, unpickle, type PickleValue } from './pickle.js';
import { readZip, type ZipEntry } from './zip.js';

/** A storage named by a tensor's persistent id: ('storage', StorageType, key, location, numel). */
class StorageRef {
  constructor(readonly type: string, readonly key: string, readonly numel: number) {}
}

type CheckpointValue = PickleValue<StorageRef>;

const FLOAT_STORAGE = 'FloatStorage';
const BYTES_PER_FLOAT = 4;

/**
 * Reads a `torch.save(model.state_dict())` file holding float32 tensors.
 * Tensor data is copied into fresh Float32Arrays in C order, whatever the stored strides.
 */
export function readTorchCheckpoint(bytes: Uint8Array, file: string): Map<string, HostTensor> {
  const entries = new Map(readZip(bytes, file).map((entry) => [entry.name, entry]));
  const pickles = [...entries.keys()].filter((name) => name.endsWith('/data.pkl'));
  if (pickles.length !== 1) {
    throw new FormatError(file, `expected one '<name>/data.pkl' in the archive, found ${pickles.length} (not a PyTorch checkpoint?)`);
  }
  const pickle = entries.get(pickles[0]!)!;
  const prefix = pickle.name.slice(0, -'data.pkl'.length);
  checkByteOrder(entries.get(`${prefix}byteorder`), file);

  const root = unpickle<StorageRef>(pickle.data, file, (id) => storageRef(id, file));
  if (!(root instanceof Map)) throw new FormatError(file, 'the checkpoint is not a state dict (top object is not a dict)');

  const tensors = new Map<string, HostTensor>();
  for (const [name, value] of root) {
    if (typeof name !== 'string') throw new FormatError(file, `state dict key ${String(name)} is not a string`);
    tensors.set(name, rebuildTensor(value, name, prefix, entries, file));
  }
  return tensors;
}

function checkByteOrder(entry: ZipEntry | undefined, file: string): void {
  if (entry === undefined) return; // torch < 2.1 writes no byteorder record; those files are little-endian
  const order = new TextDecoder().decode(entry.data).trim();
  if (order !== 'little') throw new FormatError(file, `checkpoint byte order is '${order}'; only little-endian is supported`);
}

function storageRef(id: CheckpointValue, file: string): StorageRef {
  if (!isTuple(id) || id.length !== 5 || id[0] !== 'storage') {
    throw new FormatError(file, "persistent id is not ('storage', type, key, location, numel)");
  }
  const [, type, key, location, count] = id;
  if (!(type instanceof PickleGlobal) || typeof key !== 'string' || typeof location !== 'string' || !isCount(count)) {
    throw new FormatError(file, "persistent id is not ('storage', type, key, location, numel)");
  }
  // Any location ('cpu', 'cuda:0', ...) is fine: the bytes are the same.
  return new StorageRef(type.name, key, count);
}

function rebuildTensor(value: CheckpointValue, name: string, prefix: string, entries: Map<string, ZipEntry>, file: string): HostTensor {
  const fail = (problem: string) => new FormatError(file, `tensor '${name}': ${problem}`);
  if (!(value instanceof PickleCall) || value.callee.qualifiedName !== REBUILD_TENSOR) {
    throw fail(`is not a tensor (only ${REBUILD_TENSOR} values are supported)`);
  }
  if (value.args.length !== 6) throw fail(`${REBUILD_TENSOR} has ${value.args.length} arguments, expected 6`);
  const [storage, storageOffset, size, stride] = value.args;
  if (!(storage instanceof StorageRef)) throw fail('first argument is not a storage');
  if (storage.type !== FLOAT_STORAGE) throw fail(`stored as torch ${storage.type}; only float32 (torch ${FLOAT_STORAGE}) is supported`);
  if (!isCount(storageOffset)) throw fail('storage offset is not a non-negative integer');
  const shape = countTuple(size);
  const strides = countTuple(stride);
  if (shape === undefined || strides === undefined || shape.length !== strides.length) {
    throw fail('size and stride must be tuples of non-negative integers of equal length');
  }

  const entryName = `${prefix}data/${storage.key}`;
  const entry = entries.get(entryName);
  if (entry === undefined) throw fail(`storage entry '${entryName}' is missing from the archive`);
  if (entry.size !== storage.numel * BYTES_PER_FLOAT) {
    throw fail(`storage '${entryName}' holds ${entry.size} bytes, expected ${storage.numel} floats (${storage.numel * BYTES_PER_FLOAT} bytes)`);
  }

  const count = numel(shape);
  if (count > 0) {
    const lastIndex = shape.reduce((sum, extent, dim) => sum + (extent - 1) * strides[dim]!, storageOffset);
    if (lastIndex >= storage.numel) {
      throw fail(`view (offset ${storageOffset}, size [${shape}], stride [${strides}]) reaches element ${lastIndex} of a ${storage.numel}-element storage`);
    }
  }
  const data = isContiguous(shape, strides)
    ? copyFloats(entry.data, storageOffset, count)
    : gatherFloats(entry.data, storageOffset, shape, strides);
  return { shape, data };
}

/** Size-1 dimensions may carry any stride; PyTorch still calls such tensors contiguous. */
function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    if (shape[dim] !== 1 && strides[dim] !== expected) return false;
    expected *= shape[dim]!;
  }
  return true;
}

/**
 * Copies into a new (hence aligned) buffer: archive offsets need not be 4-byte aligned.
 * Viewing the bytes as floats assumes a little-endian host, as WebGPU itself does.
 */
function copyFloats(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const start = offset * BYTES_PER_FLOAT;
  new Uint8Array(out.buffer).set(bytes.subarray(start, start + count * BYTES_PER_FLOAT));
  return out;
}

/** Walks the strided view in C order, like an odometer over the shape. */
function gatherFloats(bytes: Uint8Array, offset: number, shape: number[], strides: number[]): Float32Array {
  const out = new Float32Array(numel(shape));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = new Array<number>(shape.length).fill(0);
  let source = offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = view.getFloat32(source * BYTES_PER_FLOAT, true);
    for (let dim = shape.length - 1; dim >= 0; dim--) {
      source += strides[dim]!;
      if (++index[dim]! < shape[dim]!) break;
      source -= strides[dim]! * shape[dim]!;
      index[dim] = 0;
    }
  }
  return out;
}

function countTuple(value: CheckpointValue | undefined): number[] | undefined {
  if (value === undefined || !isTuple(value) || !value.every(isCount)) return undefined;
  return [...value];
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
