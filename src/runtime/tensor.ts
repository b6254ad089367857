/** Element type in GPU memory: f16 (IEEE half, read by the kernels as packed pairs) holds the UNet's conv weights and padded inputs in the f16 mode. */
export type DType = 'f32' | 'f16';

const BYTES: Record<DType, number> = { f32: 4, f16: 2 };

/** A GPU buffer viewed as a dense row-major tensor. */
export class Tensor {
  readonly size: number;

  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType = 'f32',
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    if (this.byteLength > buffer.size) {
      throw new Error(`${dtype} tensor of shape [${shape}] needs ${this.byteLength} bytes, buffer has ${buffer.size}`);
    }
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
    return new Tensor(this.buffer, shape, this.dtype);
  }
}
