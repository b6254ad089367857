/** A float32 tensor in host memory, row-major (C order). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
