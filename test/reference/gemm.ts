import type { Runtime, SubgroupMatrixConfig } from '../../src/runtime/index.js';
import { withDevice } from './conv.js';

/** float64 C[z] = A[z] B[z]: A [matrices][rows][depth], B [matrices][depth][cols], C [matrices][rows][cols]. */
export function batchedGemmRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  matrices: number,
  rows: number,
  depth: number,
  cols: number,
): Float64Array {
  const c = new Float64Array(matrices * rows * cols);
  for (let z = 0; z < matrices; z++) {
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < depth; k++) {
        const v = a[(z * rows + r) * depth + k];
        const bRow = (z * depth + k) * cols;
        const cRow = (z * rows + r) * cols;
        for (let j = 0; j < cols; j++) c[cRow + j] += v * b[bRow + j];
      }
    }
  }
  return c;
}

/**
 * The runtime as if its adapter listed `configs` as its subgroup-matrix
 * shapes, without the feature: the GEMM takes its subgroup-matrix tiling on
 * the emulated builtins (shaders/gemm-subgroup-matrix-emulated.wgsl).
 */
export function withSubgroupMatrixConfigs(rt: Runtime, configs: readonly SubgroupMatrixConfig[]): Runtime {
  return new Proxy(rt, { get: (target, key, receiver) => (key === 'subgroupMatrixConfigs' ? configs : Reflect.get(target, key, receiver)) });
}

/**
 * The runtime as a device with chromium-experimental-subgroup-matrix and
 * `configs` would present it: GEMMs recorded on it declare the kernel on the
 * real builtins, which compiles only where an adapter has the feature.
 */
export function withSubgroupMatrixFeature(rt: Runtime, configs: readonly SubgroupMatrixConfig[]): Runtime {
  const features = new Set([...rt.device.features, 'chromium-experimental-subgroup-matrix']);
  return withSubgroupMatrixConfigs(withDevice(rt, { features }), configs);
}
