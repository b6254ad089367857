// The batched GEMM core: C[z] = A[z] B[z] for a batch of matrices, A and C
// f32, B in the conv storage type (f32, or packed f16), tiled by adapter:
// register blocks on CPU adapters (shaders/gemm.wgsl), workgroup-memory tiles
// on GPUs (shaders/gemm-tiled.wgsl).
import gemmBindingsWgsl from '../../shaders/gemm-bindings.wgsl';
import gemmWgsl from '../../shaders/gemm.wgsl';
import gemmTiledWgsl from '../../shaders/gemm-tiled.wgsl';
import gemmRowsWgsl from '../../shaders/gemm-rows.wgsl';
import gemmRowsPlainWgsl from '../../shaders/gemm-rows-plain.wgsl';
import gemmRowsSubgroupWgsl from '../../shaders/gemm-rows-subgroup.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import type { DType, Graph, KernelWork, Tensor } from '../runtime/index.js';
import { isCpuAdapter, laneVariant, QUADS, workgroupLanes, type LaneVariant } from './conv-core.js';

const ROW_LOADS = { plain: gemmRowsPlainWgsl, subgroup: gemmRowsSubgroupWgsl } as const;

function declareGemm(dtype: DType, lanes: LaneVariant) {
  return declareKernel({
    name: `gemm ${dtype} ${lanes}`,
    parts: [QUADS[dtype], gemmBindingsWgsl, gemmRowsWgsl, ROW_LOADS[lanes], gemmWgsl],
    uniforms: { struct: 'Params', fields: { rows: 'u32', kQuads: 'u32', colQuads: 'u32', firstMatrix: 'u32' } },
    storage: { a: 'read', b: 'read', c: 'read_write' },
    overrides: { WG: 'u32', ROWS: 'u32' },
  });
}

const kernels = {
  f32: { plain: declareGemm('f32', 'plain'), subgroup: declareGemm('f32', 'subgroup') },
  f16: { plain: declareGemm('f16', 'plain'), subgroup: declareGemm('f16', 'subgroup') },
};

function declareTiledGemm(dtype: DType) {
  return declareKernel({
    name: `gemm tiled ${dtype}`,
    parts: [QUADS[dtype], gemmBindingsWgsl, gemmTiledWgsl],
    uniforms: { struct: 'Params', fields: { rows: 'u32', kQuads: 'u32', colQuads: 'u32', firstMatrix: 'u32' } },
    storage: { a: 'read', b: 'read', c: 'read_write' },
  });
}

const tiledKernels = { f32: declareTiledGemm('f32'), f16: declareTiledGemm('f16') };

/** The C tile of one workgroup of shaders/gemm-tiled.wgsl. */
const TILE_ROWS = wgslConstant(gemmTiledWgsl, 'TILE_ROWS');
const TILE_COLS = 4 * wgslConstant(gemmTiledWgsl, 'TILE_COL_QUADS');

/** Columns per invocation of shaders/gemm.wgsl: B and C rows are padded to a multiple of it. */
export const GEMM_COLUMN_BLOCK = 8;
/** K is padded to a multiple of 4 (A's rows are vec4s). */
export const GEMM_K_BLOCK = 4;

export interface GemmShape {
  /** Rows of every A and C. */
  rows: number;
  /** K, a multiple of GEMM_K_BLOCK. */
  depth: number;
  /** Columns of B and C, a multiple of GEMM_COLUMN_BLOCK. */
  cols: number;
}

/**
 * Records C[z] = A[z] B[z] for z in [first, first + count): A is [*][rows][depth]
 * and C [*][rows][cols] (indexed by z), `b` holds just these `count` matrices
 * [count][depth][cols].
 */
export function batchedGemm(
  g: Graph,
  label: string,
  work: KernelWork,
  a: Tensor,
  b: Tensor,
  c: Tensor,
  shape: GemmShape,
  first: number,
  count: number,
): void {
  const { rows, depth, cols } = shape;
  if (depth % GEMM_K_BLOCK !== 0 || cols % GEMM_COLUMN_BLOCK !== 0) {
    throw new Error(`${label}: GEMM depth ${depth} and columns ${cols} must be multiples of ${GEMM_K_BLOCK} and ${GEMM_COLUMN_BLOCK}`);
  }
  const uniforms = { rows, kQuads: depth / 4, colQuads: cols / 4, firstMatrix: first };
  if (!isCpuAdapter(g.rt)) {
    tiledKernels[b.dtype].dispatch(g, {
      label,
      work,
      uniforms,
      storage: { a, b, c },
      workgroups: [Math.ceil(cols / TILE_COLS), Math.ceil(rows / TILE_ROWS), count],
    });
    return;
  }
  // 8 rows share each B load; 4 where there are no more, so no lane computes idle rows.
  const blockRows = rows > 4 ? 8 : 4;
  const colBlocks = cols / GEMM_COLUMN_BLOCK;
  const rowBlocks = Math.ceil(rows / blockRows);
  const lanes = workgroupLanes(g.rt, colBlocks * rowBlocks);
  kernels[b.dtype][laneVariant(g.rt)].dispatch(g, {
    label,
    work,
    overrides: { WG: lanes, ROWS: blockRows },
    uniforms,
    storage: { a, b, c },
    workgroups: [Math.ceil(colBlocks / lanes), rowBlocks, count],
  });
}
