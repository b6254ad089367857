// The batched GEMM core: C[z] = A[z] B[z] for a batch of matrices, A and C
// f32, B in the conv storage type (f32, or packed f16), tiled by adapter:
// subgroup matrices where the device has a shape for B's type
// (shaders/gemm-subgroup-matrix.wgsl), else register blocks on CPU adapters
// (shaders/gemm.wgsl) and workgroup-memory tiles on GPUs (shaders/gemm-tiled.wgsl),
// split along K where C has too few tiles to fill the GPU
// (shaders/gemm-split-reduce.wgsl sums the slices).
import gemmBindingsWgsl from '../../shaders/gemm-bindings.wgsl';
import gemmWgsl from '../../shaders/gemm.wgsl';
import gemmTiledWgsl from '../../shaders/gemm-tiled.wgsl';
import gemmRowsWgsl from '../../shaders/gemm-rows.wgsl';
import gemmRowsPlainWgsl from '../../shaders/gemm-rows-plain.wgsl';
import gemmRowsSubgroupWgsl from '../../shaders/gemm-rows-subgroup.wgsl';
import gemmSplitReduceWgsl from '../../shaders/gemm-split-reduce.wgsl';
import gemmSubgroupMatrixWgsl from '../../shaders/gemm-subgroup-matrix.wgsl';
import gemmSubgroupMatrixBuiltinsWgsl from '../../shaders/gemm-subgroup-matrix-builtins.wgsl';
import gemmSubgroupMatrixEmulatedWgsl from '../../shaders/gemm-subgroup-matrix-emulated.wgsl';
import gemmSubgroupMatrixTilesWgsl from '../../shaders/gemm-subgroup-matrix-tiles.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import { wgslConstant, type WgslFile } from '../kernel/wgsl-source.js';
import { Tensor, type DType, type Graph, type KernelWork, type Runtime, type SubgroupMatrixConfig } from '../runtime/index.js';
import { isCpuAdapter, laneVariant, QUADS, workgroupLanes, type LaneVariant } from './conv-core.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

const ROW_LOADS = { plain: gemmRowsPlainWgsl, subgroup: gemmRowsSubgroupWgsl } as const;

/** The Params of shaders/gemm-bindings.wgsl. */
const GEMM_PARAMS = {
  struct: 'Params',
  fields: {
    rows: 'u32', kQuads: 'u32', colQuads: 'u32', firstMatrix: 'u32',
    kSlices: 'u32', sliceKQuads: 'u32', cFirstMatrix: 'u32',
  },
} as const;

function declareGemm(dtype: DType, lanes: LaneVariant) {
  return declareKernel({
    name: `gemm ${dtype} ${lanes}`,
    parts: [QUADS[dtype], gemmBindingsWgsl, gemmRowsWgsl, ROW_LOADS[lanes], gemmWgsl],
    uniforms: GEMM_PARAMS,
    storage: { a: 'read', b: 'read', c: 'read_write' },
    overrides: { WG: 'u32' },
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
    uniforms: GEMM_PARAMS,
    storage: { a: 'read', b: 'read', c: 'read_write' },
  });
}

const tiledKernels = { f32: declareTiledGemm('f32'), f16: declareTiledGemm('f16') };

/**
 * The subgroup-matrix shape a GEMM whose B is stored as `dtype` runs on, or
 * undefined: the first of the device's configs whose inputs are B's storage
 * type (f16 mode: f16 products; f32 mode only on f32 shapes, so it keeps its
 * f32 results), whose results are f32, and whose K and N hold whole vec4s.
 * Configs come from the adapter only with the feature (tests list some
 * without it, for the emulation).
 */
export function subgroupMatrixConfig(rt: Runtime, dtype: DType): SubgroupMatrixConfig | undefined {
  if (dtype === 'f16' && !rt.device.features.has('shader-f16')) return undefined;
  const refused = refusedConfigs.get(rt);
  return rt.subgroupMatrixConfigs.find(
    (c) => !refused?.has(c) && c.componentType === dtype && c.resultComponentType === 'f32' && c.K % GEMM_K_BLOCK === 0 && c.N % 4 === 0,
  );
}

/** Per runtime, the configs whose GEMM failed on the device (src/ops/subgroup-matrix-check.ts), with why. */
const refusedConfigs = new WeakMap<Runtime, Map<SubgroupMatrixConfig, string>>();

/** Takes `config` out of subgroupMatrixConfig's choice on `rt`: its GEMMs fall back to the other tilings. */
export function refuseSubgroupMatrixConfig(rt: Runtime, config: SubgroupMatrixConfig, why: string): void {
  const refused = refusedConfigs.get(rt) ?? new Map<SubgroupMatrixConfig, string>();
  refused.set(config, why);
  refusedConfigs.set(rt, refused);
}

export const describeSubgroupMatrixConfig = (c: SubgroupMatrixConfig): string => `${c.componentType} ${c.M}x${c.N}x${c.K} -> ${c.resultComponentType}`;

/** The adapter's subgroup-matrix shapes, the ones the GEMM runs on and the ones refused, for the adapter line of mg3d check. */
export function describeSubgroupMatrices(rt: Runtime): string {
  if (!rt.subgroupMatrixConfigs.length) return 'no subgroup matrices';
  const used = (['f32', 'f16'] as const).flatMap((dtype) => {
    const config = subgroupMatrixConfig(rt, dtype);
    return config ? [`${dtype} GEMMs on ${config.M}x${config.N}x${config.K}`] : [];
  });
  const refused = [...(refusedConfigs.get(rt) ?? [])].map(([c, why]) => `; ${describeSubgroupMatrixConfig(c)} refused: ${why}`);
  return `subgroup matrices ${rt.subgroupMatrixConfigs.map(describeSubgroupMatrixConfig).join(', ')} (${used.length ? used.join(', ') : 'none used'})${refused.join('')}`;
}

/** The constants of shaders/gemm-subgroup-matrix-tiles.wgsl that one config fixes. */
function subgroupMatrixShape(config: SubgroupMatrixConfig): WgslFile {
  const { componentType, M, N, K } = config;
  const directive = componentType === 'f16' ? 'enable f16;\n' : '';
  return {
    file: `subgroup matrix shape ${M}x${N}x${K} ${componentType}`,
    code: `${directive}alias SmScalar = ${componentType};\nconst SM_M = ${M}u;\nconst SM_N = ${N}u;\nconst SM_K = ${K}u;\n`,
  };
}

type SubgroupMatrixKernel = ReturnType<typeof declareSubgroupMatrixGemm>;

function declareSubgroupMatrixGemm(dtype: DType, config: SubgroupMatrixConfig, emulated: boolean) {
  const { componentType, M, N, K } = config;
  return declareKernel({
    name: `gemm subgroup matrix ${dtype} ${M}x${N}x${K} ${componentType}${emulated ? ' emulated' : ''}`,
    parts: [
      QUADS[dtype],
      gemmBindingsWgsl,
      subgroupMatrixShape(config),
      gemmSubgroupMatrixTilesWgsl,
      emulated ? gemmSubgroupMatrixEmulatedWgsl : gemmSubgroupMatrixBuiltinsWgsl,
      gemmSubgroupMatrixWgsl,
    ],
    uniforms: GEMM_PARAMS,
    storage: { a: 'read', b: 'read', c: 'read_write' },
    overrides: { WG: 'u32' },
  });
}

/** Declared on first use: their WGSL exists only for the configs a device lists. */
const subgroupMatrixKernels = new Map<string, SubgroupMatrixKernel>();

/**
 * The kernel for `config`: on the builtins where the device has the feature,
 * else on shaders/gemm-subgroup-matrix-emulated.wgsl.
 */
function subgroupMatrixKernel(rt: Runtime, dtype: DType, config: SubgroupMatrixConfig): SubgroupMatrixKernel {
  const emulated = !rt.device.features.has('chromium-experimental-subgroup-matrix' as GPUFeatureName);
  const key = [dtype, config.componentType, config.M, config.N, config.K, emulated].join();
  let kernel = subgroupMatrixKernels.get(key);
  if (!kernel) {
    kernel = declareSubgroupMatrixGemm(dtype, config, emulated);
    subgroupMatrixKernels.set(key, kernel);
  }
  return kernel;
}

const ROW_MATRICES = wgslConstant(gemmSubgroupMatrixTilesWgsl, 'ROW_MATRICES');
const COL_MATRICES = wgslConstant(gemmSubgroupMatrixTilesWgsl, 'COL_MATRICES');

const splitReduce = declareKernel({
  name: 'gemm split-K reduce',
  parts: [ELEMENTWISE_PART, gemmSplitReduceWgsl],
  uniforms: { struct: 'Params', fields: { total: 'u32', slices: 'u32', first: 'u32' } },
  storage: { partial: 'read', c: 'read_write' },
});

/** Rows of C per invocation of shaders/gemm.wgsl: 8 share each B load. */
const BLOCK_ROWS = wgslConstant(gemmRowsWgsl, 'ROWS');
/** The C tile of one workgroup of shaders/gemm-tiled.wgsl. */
const TILE_ROWS = wgslConstant(gemmTiledWgsl, 'TILE_ROWS');
const TILE_COLS = 4 * wgslConstant(gemmTiledWgsl, 'TILE_COL_QUADS');
/** K quads that one stage of shaders/gemm-tiled.wgsl multiplies: a K slice holds whole stages. */
const STAGE_K_QUADS = wgslConstant(gemmTiledWgsl, 'STAGE_K_QUADS');

/**
 * Workgroups a GPU dispatch should have, below which the GEMM splits K.
 * WebGPU reports no core count, so this is the largest target GPU's: two
 * workgroups for each of the H200's 132 SMs, which fills smaller GPUs too.
 */
export const GPU_WORKGROUP_TARGET = 2 * 132;

/**
 * K slices for a GPU GEMM of `tiles` C tiles (all matrices): enough for
 * GPU_WORKGROUP_TARGET workgroups, each slice whole stages of `stageKQuads`
 * K quads; 1 where the tiles fill the GPU alone.
 */
export function splitKSlices(tiles: number, kQuads: number, stageKQuads: number): { slices: number; sliceKQuads: number } {
  const wanted = Math.min(Math.ceil(GPU_WORKGROUP_TARGET / tiles), Math.ceil(kQuads / stageKQuads));
  if (wanted <= 1) return { slices: 1, sliceKQuads: kQuads };
  const sliceKQuads = stageKQuads * Math.ceil(kQuads / wanted / stageKQuads);
  return { slices: Math.ceil(kQuads / sliceKQuads), sliceKQuads };
}

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
  const kQuads = depth / 4;
  const colQuads = cols / 4;
  const unsplit = { rows, kQuads, colQuads, firstMatrix: first, kSlices: 1, sliceKQuads: kQuads, cFirstMatrix: first };
  const config = subgroupMatrixConfig(g.rt, b.dtype);
  // The GPU tilings split K where C has too few tiles: `tiled` records the
  // product (of one K slice per workgroup z when split) into `into`.
  const gpuTiling = (tiles: [number, number], stageKQuads: number, tiled: (into: Tensor, uniforms: typeof unsplit, z: number, name: string, what: KernelWork) => void) => {
    const { slices, sliceKQuads } = splitKSlices(tiles[0] * tiles[1] * count, kQuads, stageKQuads);
    if (slices === 1) {
      tiled(c, unsplit, count, label, work);
      return;
    }
    const values = count * rows * colQuads;
    const partial = g.tensor([slices, count, rows, cols]);
    const splitWork = { ...work, bytes: work.bytes + partial.byteLength - Tensor.bytesFor(4 * values, 'f32') };
    tiled(partial, { ...unsplit, kSlices: slices, sliceKQuads, cFirstMatrix: 0 }, count * slices, `${label} split-K`, splitWork);
    splitReduce.dispatch(g, {
      label: `${label} split-K reduce`,
      work: { signature: `${work.signature} split-K reduce of ${slices}`, bytes: partial.byteLength + Tensor.bytesFor(4 * values, 'f32') },
      uniforms: { total: values, slices, first: first * rows * colQuads },
      storage: { partial, c },
      workgroups: elementwiseGrid(values),
    });
  };
  if (config) {
    const kernel = subgroupMatrixKernel(g.rt, b.dtype, config);
    const tiles: [number, number] = [Math.ceil(cols / (COL_MATRICES * config.N)), Math.ceil(rows / (ROW_MATRICES * config.M))];
    gpuTiling(tiles, config.K / 4, (into, uniforms, z, name, what) =>
      kernel.dispatch(g, {
        label: name,
        work: what,
        // A subgroup matrix spans a whole subgroup, so the workgroup is one subgroup of the largest size.
        overrides: { WG: g.rt.device.adapterInfo.subgroupMaxSize ?? 32 },
        uniforms,
        storage: { a, b, c: into },
        workgroups: [...tiles, z],
      }),
    );
    return;
  }
  if (!isCpuAdapter(g.rt)) {
    const tiles: [number, number] = [Math.ceil(cols / TILE_COLS), Math.ceil(rows / TILE_ROWS)];
    gpuTiling(tiles, STAGE_K_QUADS, (into, uniforms, z, name, what) =>
      tiledKernels[b.dtype].dispatch(g, { label: name, work: what, uniforms, storage: { a, b, c: into }, workgroups: [...tiles, z] }),
    );
    return;
  }
  const colBlocks = cols / GEMM_COLUMN_BLOCK;
  const rowBlocks = Math.ceil(rows / BLOCK_ROWS);
  const lanes = workgroupLanes(g.rt, colBlocks * rowBlocks);
  kernels[b.dtype][laneVariant(g.rt)].dispatch(g, {
    label,
    work,
    overrides: { WG: lanes },
    uniforms: unsplit,
    storage: { a, b, c },
    workgroups: [Math.ceil(colBlocks / lanes), rowBlocks, count],
  });
}
