import electrodeFlagsWgsl from '../../shaders/graspi-electrode-flags.wgsl';
import initWgsl from '../../shaders/graspi-init.wgsl';
import hookWgsl from '../../shaders/graspi-label-hook.wgsl';
import jumpWgsl from '../../shaders/graspi-label-jump.wgsl';
import latticeWgsl from '../../shaders/graspi-lattice.wgsl';
import phasesWgsl from '../../shaders/graspi-phases.wgsl';
import relaxWgsl from '../../shaders/graspi-relax.wgsl';
import sweepAdvanceWgsl from '../../shaders/graspi-sweep-advance.wgsl';
import tallyWgsl from '../../shaders/graspi-tally.wgsl';
import { GpuError } from '../errors.js';
import { declareKernel, grid } from '../kernel/kernel.js';
import type { UniformValues } from '../kernel/uniform-layout.js';
import type { StorageAccess } from '../kernel/wgsl-interface.js';
import { wgslConstant, type WgslFile } from '../kernel/wgsl-source.js';
import type { Dispatch, Runtime } from '../runtime/index.js';
import { straightPathLimits, type Tally } from './assemble.js';
import type { Lattice } from './lattice.js';

/** The tally's integer counters in buffer order; the WGSL sees them as C_<name> constants. */
const COUNTERS = [
  'donors', 'acceptors', 'mixed', 'faceInterfaces', 'connectedFaceInterfaces',
  'componentsD', 'componentsA', 'componentsM', 'componentsDAnode', 'componentsACathode',
  'donorsInAnodeComponents', 'acceptorsInCathodeComponents', 'interfaceDonorsAnode', 'interfaceAcceptorsCathode',
  'donorsAtAnode', 'acceptorsAtCathode', 'dissCount', 'straightD', 'straightA',
] as const satisfies readonly (keyof Tally)[];

const COUNTER_CONSTANTS: WgslFile = {
  file: 'src/descriptors/gpu-measure.ts (COUNTERS)',
  code: `const NUM_COUNTERS: u32 = ${COUNTERS.length}u;\n${COUNTERS.map((name, i) => `const C_${name}: u32 = ${i}u;`).join('\n')}\n`,
};

/** The Lattice struct of shaders/graspi-lattice.wgsl, bound at binding 0 by every kernel but sweepAdvance. */
const LATTICE = {
  struct: 'Lattice',
  fields: {
    nd: 'i32', nh: 'i32', nw: 'i32', n: 'u32',
    wrap_d: 'u32', wrap_h: 'u32', flat: 'u32', tile_count: 'u32',
    tile: 'vec4i', tiles: 'vec4i',
    len: 'vec4f', half_len: 'vec4f',
  },
} as const;

/** A GraSPI kernel: the lattice (and the phase map at binding 1 where it reads it), then its own bindings. */
function declareGraspi<const S extends Record<string, StorageAccess>>(name: string, kernel: WgslFile, readsPhases: boolean, storage: S) {
  return declareKernel({
    name: `graspi-${name}`,
    parts: readsPhases ? [latticeWgsl, phasesWgsl, kernel] : [latticeWgsl, kernel],
    uniforms: LATTICE,
    storage,
  });
}

const KERNELS = {
  init: declareGraspi('init', initWgsl, true, { phase_words: 'read', label: 'read_write', electrode: 'read_write', de: 'read_write', dg: 'read_write' }),
  hook: declareGraspi('hook', hookWgsl, true, { phase_words: 'read', label: 'read_write', changed: 'read_write' }),
  jump: declareGraspi('jump', jumpWgsl, false, { label: 'read_write', changed: 'read_write' }),
  electrodeFlags: declareGraspi('electrodeFlags', electrodeFlagsWgsl, false, { label: 'read', electrode: 'read_write' }),
  relax: declareGraspi('relax', relaxWgsl, true, {
    phase_words: 'read', de: 'read_write', dg: 'read_write', changed: 'read_write', stamp: 'read_write', sweep: 'read',
  }),
  tally: declareKernel({
    name: 'graspi-tally',
    parts: [latticeWgsl, phasesWgsl, COUNTER_CONSTANTS, tallyWgsl],
    uniforms: LATTICE,
    storage: {
      phase_words: 'read', label: 'read', electrode: 'read', de: 'read', dg: 'read', limits: 'read', counters: 'read_write', diss_partial: 'read_write',
    },
  }),
  sweepAdvance: declareKernel({ name: 'graspi-sweepAdvance', parts: [sweepAdvanceWgsl], storage: { sweep: 'read_write' } }),
};

/** Invocations per workgroup of the voxel kernels, and voxels per relaxation tile. */
const WORKGROUP = wgslConstant(latticeWgsl, 'WORKGROUP');
/** Rounds submitted between convergence checks (a check is one small readback). */
const LABEL_ROUNDS_PER_CHECK = 4;
const SWEEPS_PER_CHECK = 4;

/** How much iterating the GPU needed: label rounds (hook + jump) and relaxation sweeps until nothing changed. */
export interface GpuMeasureStats {
  labelRounds: number;
  relaxSweeps: number;
}

/** The relaxation's tiles of WORKGROUP voxels (a workgroup relaxes one): D x H x W. */
const TILES = { flat: [16, 1, 16], volume: [4, 8, 8] };
for (const tile of Object.values(TILES)) {
  if (tile[0] * tile[1] * tile[2] !== WORKGROUP) throw new Error(`GraSPI tile ${tile.join('x')} is not ${WORKGROUP} voxels, the workgroup size`);
}

function tiling(l: Lattice): { tile: number[]; tiles: number[]; count: number } {
  const tile = l.flat ? TILES.flat : TILES.volume;
  const tiles = l.shape.map((size, axis) => Math.ceil(size / tile[axis]));
  return { tile, tiles, count: tiles[0] * tiles[1] * tiles[2] };
}

/** The Lattice struct of shaders/graspi-lattice.wgsl. */
function latticeValues(l: Lattice): UniformValues<typeof LATTICE.fields> {
  const [nd, nh, nw] = l.shape;
  const { tile, tiles, count } = tiling(l);
  return {
    nd, nh, nw, n: l.size,
    wrap_d: Number(l.wrapD), wrap_h: Number(l.wrapH), flat: Number(l.flat), tile_count: count,
    tile: [...tile, 0], tiles: [...tiles, 0],
    len: [...l.lengths], half_len: [...l.halfLengths],
  };
}

const asWords = (data: ArrayBufferLike) => new Float32Array(data);

/**
 * The tally on the GPU: components by hooking and pointer jumping, both shortest-path fields by
 * in-place float32 relaxation sweeps until a sweep changes nothing, then one reduction pass.
 */
export async function tallyOnGpu(rt: Runtime, phases: Uint8Array, lattice: Lattice): Promise<{ tally: Tally; stats: GpuMeasureStats }> {
  const n = lattice.size;
  const nw = lattice.shape[2];
  const max = rt.limits.maxStorageBufferBindingSize;
  if (4 * n > max) {
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    throw new GpuError(
      `a [${lattice.shape.join(', ')}] volume needs ${mib(4 * n)} MiB per voxel field, over this adapter's ` +
        `maxStorageBufferBindingSize of ${mib(max)} MiB`,
    );
  }
  const workgroups = grid(n, WORKGROUP);
  const groupCount = workgroups[0] * workgroups[1];
  const packed = new Uint8Array(Math.ceil(n / 4) * 4);
  packed.set(phases);
  const limits = new Float32Array(2 * nw);
  limits.set(straightPathLimits(lattice, 'anode'), 0);
  limits.set(straightPathLimits(lattice, 'cathode'), nw);

  const scope = rt.scope();
  // Bound at binding 0 by every kernel: one buffer for all of them.
  const params = scope.uniform(KERNELS.init.packUniforms(latticeValues(lattice)));
  try {
    const phaseWords = scope.upload(asWords(packed.buffer), [packed.length / 4]);
    const label = scope.tensor([n]);
    const electrode = scope.tensor([n]);
    const de = scope.tensor([n]);
    const dg = scope.tensor([n]);
    const changed = scope.upload(new Float32Array(1), [1]);
    const limitBuffer = scope.upload(limits, [limits.length]);
    const counters = scope.upload(new Float32Array(COUNTERS.length + nw), [COUNTERS.length + nw]);
    const dissPartial = scope.tensor([groupCount]);
    const tileCount = tiling(lattice).count;
    const stamps = scope.upload(new Float32Array(tileCount), [tileCount]);
    const sweep = scope.upload(asWords(Uint32Array.of(1).buffer), [1]);

    const uniforms = { shared: params };
    const work = (name: string, bytes: number) => ({ signature: `graspi ${name} [${lattice.shape}]`, bytes });
    const voxelBytes = 4 * n;
    const init = rt.kernel(KERNELS.init.spec({ work: work('init', 4 * voxelBytes), uniforms, storage: { phase_words: phaseWords, label, electrode, de, dg }, workgroups }), scope);
    const hook = rt.kernel(KERNELS.hook.spec({ work: work('hook', voxelBytes), uniforms, storage: { phase_words: phaseWords, label, changed }, workgroups }), scope);
    const jump = rt.kernel(KERNELS.jump.spec({ work: work('jump', voxelBytes), uniforms, storage: { label, changed }, workgroups }), scope);
    const electrodeFlags = rt.kernel(KERNELS.electrodeFlags.spec({ work: work('electrodeFlags', voxelBytes), uniforms, storage: { label, electrode }, workgroups }), scope);
    const relax = rt.kernel(KERNELS.relax.spec({
        work: work('relax', 2 * voxelBytes),
        uniforms,
        storage: { phase_words: phaseWords, de, dg, changed, stamp: stamps, sweep },
        workgroups: grid(tileCount * WORKGROUP, WORKGROUP),
      }), scope);
    const sweepAdvance = rt.kernel(KERNELS.sweepAdvance.spec({ work: work('sweepAdvance', 4), uniforms: {}, storage: { sweep }, workgroups: [1, 1, 1] }), scope);
    const tally = rt.kernel(KERNELS.tally.spec({
        work: work('tally', 4 * voxelBytes),
        uniforms,
        storage: { phase_words: phaseWords, label, electrode, de, dg, limits: limitBuffer, counters, diss_partial: dissPartial },
        workgroups,
      }), scope);

    // Repeats `step` until one run of it changes nothing: batches of `perCheck`, the flag cleared before each batch's last step.
    const untilStable = async (step: Dispatch[], perCheck: number): Promise<number> => {
      for (let done = perCheck; ; done += perCheck) {
        rt.run(step, perCheck - 1);
        rt.write(changed, new Float32Array(1));
        rt.run(step);
        if (new Uint32Array((await rt.download(changed)).buffer)[0] === 0) return done;
      }
    };

    rt.run([init]);
    const labelRounds = await untilStable([hook, jump, jump], LABEL_ROUNDS_PER_CHECK);
    const relaxSweeps = await untilStable([relax, sweepAdvance], SWEEPS_PER_CHECK);
    rt.run([electrodeFlags, tally]);
    const counts = new Uint32Array((await rt.download(counters)).buffer);
    const partial = await rt.download(dissPartial);
    let dissWeight = 0;
    for (const v of partial) dissWeight += v;
    const tallyOut = Object.fromEntries(COUNTERS.map((name, i) => [name, counts[i]])) as Record<(typeof COUNTERS)[number], number>;
    return {
      tally: { ...tallyOut, donorsByPlane: counts.slice(COUNTERS.length), dissWeight },
      stats: { labelRounds, relaxSweeps },
    };
  } finally {
    scope.dispose();
  }
}
