import { FormatError, quote } from '../errors.js';
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
 * Each storage is copied once into an aligned Float32Array; contiguous tensors are
 * views of it, strided ones are gathered into C order. What a file can make us
 * allocate is thus bounded by its size: views may not be larger than their
 * storage, and gathers together may not need more bytes than the file has.
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

  const rebuilder = new TensorRebuilder(prefix, entries, Math.floor(bytes.length / BYTES_PER_FLOAT), file);
  const tensors = new Map<string, HostTensor>();
  for (const [name, value] of root) {
    if (typeof name !== 'string') throw new FormatError(file, `state dict key ${quote(String(name))} is not a string`);
    tensors.set(name, rebuilder.rebuild(value, name));
  }
  return tensors;
}

function checkByteOrder(entry: ZipEntry | undefined, file: string): void {
  if (entry === undefined) return; // torch < 2.1 writes no byteorder record; those files are little-endian
  const order = new TextDecoder().decode(entry.data).trim();
  if (order !== 'little') throw new FormatError(file, `checkpoint byte order is ${quote(order)}; only little-endian is supported`);
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

/**
 * Turns `_rebuild_tensor_v2` calls into HostTensors. A call reached twice through
 * the pickle memo (tied weights) yields the same tensor, not a second copy.
 */
class TensorRebuilder {
  private readonly storages = new Map<string, Float32Array>();
  private readonly built = new Map<PickleCall<StorageRef>, HostTensor>();
  constructor(
    private readonly prefix: string,
    private readonly entries: Map<string, ZipEntry>,
    /** Floats that strided views may still gather. */
    private gatherBudget: number,
    private readonly file: string,
  ) {}

  rebuild(value: CheckpointValue, name: string): HostTensor {
    const fail = (problem: string) => new FormatError(this.file, `tensor ${quote(name)}: ${problem}`);
    if (!(value instanceof PickleCall) || value.callee.qualifiedName !== REBUILD_TENSOR) {
      throw fail(`is not a tensor (only ${REBUILD_TENSOR} values are supported)`);
    }
    const known = this.built.get(value);
    if (known !== undefined) return known;
    const tensor = this.view(value, fail);
    this.built.set(value, tensor);
    return tensor;
  }

  private view(call: PickleCall<StorageRef>, fail: (problem: string) => FormatError): HostTensor {
    if (call.args.length !== 6) throw fail(`${REBUILD_TENSOR} has ${call.args.length} arguments, expected 6`);
    const [storage, storageOffset, size, stride] = call.args;
    if (!(storage instanceof StorageRef)) throw fail('first argument is not a storage');
    if (storage.type !== FLOAT_STORAGE) {
      throw fail(`stored as torch ${storage.type}; only float32 (torch ${FLOAT_STORAGE}) is supported`);
    }
    if (!isCount(storageOffset)) throw fail('storage offset is not a non-negative integer');
    const shape = countTuple(size);
    const strides = countTuple(stride);
    if (shape === undefined || strides === undefined || shape.length !== strides.length) {
      throw fail('size and stride must be tuples of non-negative integers of equal length');
    }
    const floats = this.storage(storage, fail);

    // Checked before any multiplication can leave the safe-integer range or any buffer is sized.
    const count = shape.includes(0) ? 0 : shape.reduce((product, extent) => Math.min(product * extent, Number.MAX_SAFE_INTEGER), 1);
    if (count > floats.length) {
      throw fail(
        `size [${shape}] has ${count} elements but its storage holds ${floats.length} ` +
          '(a broadcast view with stride 0? save it with .contiguous() or .clone())',
      );
    }
    if (count === 0) return { shape, data: new Float32Array(0) };
    const lastIndex = shape.reduce((sum, extent, dim) => sum + (extent - 1) * strides[dim]!, storageOffset);
    if (lastIndex >= floats.length) {
      throw fail(`view (offset ${storageOffset}, size [${shape}], stride [${strides}]) reaches element ${lastIndex} of a ${floats.length}-element storage`);
    }
    if (isContiguous(shape, strides)) return { shape, data: floats.subarray(storageOffset, storageOffset + count) };
    if (count > this.gatherBudget) {
      throw fail(`strided views together would need more bytes than the file has (it repeats views of its storages)`);
    }
    this.gatherBudget -= count;
    return { shape, data: gatherFloats(floats, storageOffset, shape, strides) };
  }

  private storage(storage: StorageRef, fail: (problem: string) => FormatError): Float32Array {
    const entryName = `${this.prefix}data/${storage.key}`;
    const known = this.storages.get(entryName);
    if (known !== undefined && known.length === storage.numel) return known;
    const entry = this.entries.get(entryName);
    if (entry === undefined) throw fail(`storage entry ${quote(entryName)} is missing from the archive`);
    if (entry.size !== storage.numel * BYTES_PER_FLOAT) {
      throw fail(`storage ${quote(entryName)} holds ${entry.size} bytes, expected ${storage.numel} floats (${storage.numel * BYTES_PER_FLOAT} bytes)`);
    }
    const floats = copyFloats(entry.data);
    this.storages.set(entryName, floats);
    return floats;
  }
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
function copyFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length / BYTES_PER_FLOAT);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Walks the strided view in C order, like an odometer over the shape. */
function gatherFloats(storage: Float32Array, offset: number, shape: number[], strides: number[]): Float32Array {
  const out = new Float32Array(numel(shape));
  const index = new Array<number>(shape.length).fill(0);
  let source = offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = storage[source]!;
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
