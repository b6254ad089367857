import type { Runtime, SubgroupMatrixConfig } from '../../src/runtime/index.js';
import { withDevice } from './conv.js';

/** C[z] = A[z] B[z] in float64 for z in [first, first + count): A [*][rows][depth], B [count][depth][cols]; returns C's matrices from `first` on. */
export function batchedGemmRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rows: number,
  depth: number,
  cols: number,
  first: number,
  count: number,
): Float64Array {
  const out = new Float64Array(count * rows * cols);
  for (let z = 0; z < count; z++) {
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < depth; k++) {
        const av = a[((first + z) * rows + r) * depth + k];
        for (let c = 0; c < cols; c++) out[(z * rows + r) * cols + c] += av * b[(z * depth + k) * cols + c];
      }
    }
  }
  return out;
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
