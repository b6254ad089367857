export type DType = 'f32';

/** A GPU buffer viewed as a dense row-major tensor. */
export class Tensor {
  readonly size: number;

  constructor(
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType = 'f32',
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    if (this.size * 4 > buffer.size) {
      throw new Error(`tensor of shape [${shape}] needs ${this.size * 4} bytes, buffer has ${buffer.size}`);
    }
  }

  get byteLength(): number {
    return this.size * 4;
  }

  /** Same storage, new shape of equal size (like torch.view). */
  view(shape: readonly number[]): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== this.size) throw new Error(`cannot view [${this.shape}] as [${shape}]`);
    return new Tensor(this.buffer, shape, this.dtype);
  }
}
