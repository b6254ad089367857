// The subgroup-matrix GEMM has been proven only through its emulation on
// lavapipe: no GPU of ours has run the real builtins yet (bench/RESULTS.md).
// So before the first model is built on a runtime, each config the GEMMs
// would take runs one small GEMM against a float64 product on the device; a
// config whose kernel fails to compile or to run, or whose result misses the
// bar, is refused and its GEMMs take the workgroup tiling. mg3d check's
// adapter line says which configs were refused and why.
import { F16_BARS } from '../parity-bars.js';
import { GpuError } from '../errors.js';
import { RecordedGraph, type DType, type Runtime } from '../runtime/index.js';
import { batchedGemm, describeSubgroupMatrixConfig, refuseSubgroupMatrixConfig, subgroupMatrixConfig, type GemmShape } from './gemm.js';

/** Odd rows, K over several stages and columns over several tiles of any listed shape, two matrices. */
const PROBE: GemmShape & { count: number } = { rows: 37, depth: 68, cols: 72, count: 2 };

/** f32 shapes must keep the f32 engine's exactness; f16 products may lose what one UNet evaluation may. */
const BARS: Record<DType, number> = { f32: 1e-5, f16: F16_BARS.unet };

const checked = new WeakSet<Runtime>();

/** Checks each subgroup-matrix config that `rt`'s GEMMs would use, once per runtime; returns a line per refused config. */
export async function checkSubgroupMatrixGemms(rt: Runtime): Promise<string[]> {
  if (checked.has(rt)) return [];
  checked.add(rt);
  const refused: string[] = [];
  for (const dtype of ['f32', 'f16'] as const) {
    const config = subgroupMatrixConfig(rt, dtype);
    if (!config) continue;
    const problem = await probeProblem(rt, dtype);
    if (problem) {
      refuseSubgroupMatrixConfig(rt, config, problem);
      refused.push(`subgroup-matrix GEMM ${describeSubgroupMatrixConfig(config)} refused (${problem}); ${dtype} GEMMs run on workgroup tiles`);
    }
  }
  return refused;
}

/** Why the probe GEMM on the subgroup-matrix path is wrong, or undefined when it meets its bar. */
async function probeProblem(rt: Runtime, dtype: DType): Promise<string | undefined> {
  const { rows, depth, cols, count } = PROBE;
  const a = Float32Array.from({ length: count * rows * depth }, (_, i) => Math.sin(i * 0.37));
  const b = Float32Array.from({ length: count * depth * cols }, (_, i) => Math.cos(i * 0.11) / Math.sqrt(depth));
  const scope = rt.scope();
  // Captured here, a failing kernel's validation errors are this check's to report, not the uncaptured-error log's.
  rt.device.pushErrorScope('validation');
  let c: Float32Array;
  try {
    const aTensor = scope.upload(a, [count, rows, depth]);
    const bTensor = scope.upload(b, [count, depth, cols], dtype);
    ({ c } = await RecordedGraph.evaluateOnce(rt, {}, (g) => {
      const out = g.tensor([count, rows, cols]);
      batchedGemm(g, 'subgroup-matrix check', { signature: 'subgroup-matrix check', bytes: 0 }, aTensor, bTensor, out, PROBE, 0, count);
      return { c: out };
    }));
  } catch (e) {
    if (e instanceof GpuError) return `it does not run: ${e.message.split('\n')[0]}`;
    throw e;
  } finally {
    scope.dispose();
    await rt.device.popErrorScope();
  }
  let diff = 0;
  let norm = 0;
  for (let z = 0; z < count; z++) {
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        let ref = 0;
        for (let k = 0; k < depth; k++) ref += a[(z * rows + r) * depth + k] * b[(z * depth + k) * cols + j];
        diff += (c[(z * rows + r) * cols + j] - ref) ** 2;
        norm += ref ** 2;
      }
    }
  }
  const error = Math.sqrt(diff / norm);
  // NaN fails too.
  return error <= BARS[dtype] ? undefined : `relative error ${error.toExponential(1)} against float64, over the bar ${BARS[dtype]}`;
}
