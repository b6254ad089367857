/** Test-only: writes PyTorch state-dict archives (zip + protocol-2 pickle) like `torch.save`. */
import type { HostTensor } from '../../src/io/host-tensor.js';
import { buildZip, type ZipOptions, type ZipSource } from './zip-writer.js';

/** A tensor given as a view into a storage, to write non-contiguous layouts. */
export interface StridedTensor {
  storage: Float32Array;
  offset: number;
  shape: number[];
  stride: number[];
  /** Storage class to claim in the pickle, e.g. 'HalfStorage'; defaults to 'FloatStorage'. */
  storageType?: string;
}

export interface TorchWriterOptions extends ZipOptions {
  prefix?: string;
  location?: string;
  /** Content of `<prefix>/byteorder`; omitted when undefined, as older torch does. */
  byteOrder?: string;
}

/** Assembles pickle bytes opcode by opcode. */
export class PickleBuilder {
  private bytes: number[] = [];

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }

  proto(version = 2): this {
    return this.op(0x80, version);
  }

  global(module: string, name: string): this {
    return this.op(0x63, ...ascii(`${module}\n${name}\n`));
  }

  unicode(text: string): this {
    const utf8 = new TextEncoder().encode(text);
    return this.op(0x58, ...u32(utf8.length), ...utf8);
  }

  int(value: number): this {
    if (value >= 0 && value < 0x100) return this.op(0x4b, value);
    if (value >= 0 && value < 0x10000) return this.op(0x4d, value & 0xff, value >> 8);
    if (value >= 0 && value < 2 ** 31) return this.op(0x4a, ...u32(value));
    return this.op(0x8a, 8, ...u64(value)); // LONG1, 8 bytes
  }

  mark(): this {
    return this.op(0x28);
  }

  tuple(): this {
    return this.op(0x74);
  }

  emptyTuple(): this {
    return this.op(0x29);
  }

  reduce(): this {
    return this.op(0x52);
  }

  orderedDict(): this {
    return this.global('collections', 'OrderedDict').emptyTuple().reduce();
  }

  intTuple(values: readonly number[]): this {
    this.mark();
    for (const value of values) this.int(value);
    return this.tuple();
  }

  stop(): this {
    return this.op(0x2e);
  }

  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export function writeTorchCheckpoint(tensors: Map<string, HostTensor | StridedTensor>, options: TorchWriterOptions = {}): Uint8Array {
  return buildZip(torchCheckpointEntries(tensors, options), options);
}

/** The archive members, for tests that want to remove or alter one. */
export function torchCheckpointEntries(tensors: Map<string, HostTensor | StridedTensor>, options: TorchWriterOptions = {}): ZipSource[] {
  const prefix = options.prefix ?? 'archive';
  const location = options.location ?? 'cpu';
  const storageKeys = new Map<Float32Array, string>();
  const storages: ZipSource[] = [];
  const pickle = new PickleBuilder().proto().orderedDict().mark();

  for (const [name, tensor] of tensors) {
    const view: StridedTensor = 'storage' in tensor ? tensor : { storage: tensor.data, offset: 0, shape: tensor.shape, stride: contiguousStride(tensor.shape) };
    let key = storageKeys.get(view.storage);
    if (key === undefined) {
      key = String(storageKeys.size);
      storageKeys.set(view.storage, key);
      const bytes = new Uint8Array(view.storage.buffer, view.storage.byteOffset, view.storage.byteLength);
      storages.push({ name: `${prefix}/data/${key}`, data: bytes.slice() });
    }
    pickle.unicode(name).global('torch._utils', '_rebuild_tensor_v2').mark();
    pickle.mark().unicode('storage').global('torch', view.storageType ?? 'FloatStorage').unicode(key).unicode(location).int(view.storage.length).tuple();
    pickle.op(0x51); // BINPERSID
    pickle.int(view.offset).intTuple(view.shape).intTuple(view.stride).op(0x89 /* NEWFALSE */).orderedDict().tuple().reduce();
  }
  pickle.op(0x75); // SETITEMS
  // torch's trailing BUILD: {'_metadata': OrderedDict({'': {'version': 1}})}
  pickle.op(0x7d).unicode('_metadata').orderedDict().unicode('').op(0x7d).unicode('version').int(1).op(0x73, 0x73, 0x73);
  pickle.op(0x62).stop(); // BUILD

  const entries: ZipSource[] = [{ name: `${prefix}/data.pkl`, data: pickle.build() }];
  if (options.byteOrder !== undefined) entries.push({ name: `${prefix}/byteorder`, data: ascii(options.byteOrder) });
  entries.push(...storages, { name: `${prefix}/version`, data: ascii('3\n') });
  return entries;
}

function contiguousStride(shape: readonly number[]): number[] {
  const stride: number[] = [];
  let step = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    stride[dim] = step;
    step *= shape[dim]!;
  }
  return stride;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function u64(value: number): number[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt(value), true);
  return [...bytes];
}
