/** Element type in GPU memory: f16 (IEEE half, read by the kernels as packed pairs) holds the UNet's conv weights and padded inputs in the f16 mode. */
export type DType = 'f32' | 'f16';

const BYTES: Record<DType, number> = { f32: 4, f16: 2 };

/**
 * The memory behind a tensor and its views: a buffer given at once, or, for a
 * graph's intermediate, the buffer its graph assigns when it places its
 * tensors (Graph.place). Until then the storage exists only as a size.
 */
export class Storage {
  private assigned: GPUBuffer | undefined;

  constructor(
    readonly byteLength: number,
    buffer?: GPUBuffer,
  ) {
    this.assigned = buffer;
  }

  get placed(): boolean {
    return this.assigned !== undefined;
  }

  get buffer(): GPUBuffer {
    if (!this.assigned) {
      throw new Error(`a graph tensor of ${this.byteLength} bytes has no buffer before its graph is placed (graph.place(), or its first run)`);
    }
    return this.assigned;
  }

  assign(buffer: GPUBuffer): void {
    if (this.assigned) throw new Error('storage is already placed');
    if (buffer.size < this.byteLength) throw new Error(`storage of ${this.byteLength} bytes placed in a buffer of ${buffer.size}`);
    this.assigned = buffer;
  }
}

/** A GPU buffer viewed as a dense row-major tensor. */
export class Tensor {
  readonly size: number;
  readonly storage: Storage;

  constructor(
    memory: GPUBuffer | Storage,
    readonly shape: readonly number[],
    readonly dtype: DType = 'f32',
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    this.storage = memory instanceof Storage ? memory : new Storage(memory.size, memory);
    if (this.byteLength > this.storage.byteLength) {
      throw new Error(`${dtype} tensor of shape [${shape}] needs ${this.byteLength} bytes, buffer has ${this.storage.byteLength}`);
    }
  }

  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }

  /** Rounded up to whole 4-byte words, as bindings and copies require. */
  get byteLength(): number {
    return Tensor.bytesFor(this.size, this.dtype);
  }

  static bytesFor(size: number, dtype: DType): number {
    return Math.ceil((size * BYTES[dtype]) / 4) * 4;
  }

  /** Same storage, new shape of equal size (like torch.view). */
  view(shape: readonly number[]): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== this.size) throw new Error(`cannot view [${this.shape}] as [${shape}]`);
    return new Tensor(this.storage, shape, this.dtype);
  }

  /** Whether the two tensors are views of one memory (a kernel must not write what it reads). */
  sharesStorage(other: Tensor): boolean {
    const a = this.storage;
    const b = other.storage;
    return a === b || (a.placed && b.placed && a.buffer === b.buffer);
  }
}
