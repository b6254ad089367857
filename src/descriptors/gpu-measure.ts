import electrodeFlagsWgsl from '../../shaders/graspi-electrode-flags.wgsl';
import initWgsl from '../../shaders/graspi-init.wgsl';
import hookWgsl from '../../shaders/graspi-label-hook.wgsl';
import jumpWgsl from '../../shaders/graspi-label-jump.wgsl';
import latticeWgsl from '../../shaders/graspi-lattice.wgsl';
import phasesWgsl from '../../shaders/graspi-phases.wgsl';
import relaxWgsl from '../../shaders/graspi-relax.wgsl';
import sweepAdvanceWgsl from '../../shaders/graspi-sweep-advance.wgsl';
import tallyWgsl from '../../shaders/graspi-tally.wgsl';
import { grid, Params, type Dispatch, type Runtime, type Tensor } from '../runtime/index.js';
import { straightPathLimits, type Tally } from './assemble.js';
import type { Lattice } from './lattice.js';

/** The tally's integer counters in buffer order; the WGSL sees them as C_<name> constants. */
const COUNTERS = [
  'donors', 'acceptors', 'mixed', 'faceInterfaces', 'connectedFaceInterfaces',
  'componentsD', 'componentsA', 'componentsM', 'componentsDAnode', 'componentsACathode',
  'donorsInAnodeComponents', 'acceptorsInCathodeComponents', 'interfaceDonorsAnode', 'interfaceAcceptorsCathode',
  'donorsAtAnode', 'acceptorsAtCathode', 'dissCount', 'straightD', 'straightA',
] as const satisfies readonly (keyof Tally)[];

const COUNTER_CONSTANTS =
  `const NUM_COUNTERS: u32 = ${COUNTERS.length}u;\n` + COUNTERS.map((name, i) => `const C_${name}: u32 = ${i}u;`).join('\n');

const withLattice = (kernel: string, readsPhases: boolean) => [latticeWgsl, readsPhases ? phasesWgsl : '', kernel].join('\n');
const SHADERS = {
  init: withLattice(initWgsl, true),
  hook: withLattice(hookWgsl, true),
  jump: withLattice(jumpWgsl, false),
  electrodeFlags: withLattice(electrodeFlagsWgsl, false),
  relax: withLattice(relaxWgsl, true),
  tally: withLattice(`${COUNTER_CONSTANTS}\n${tallyWgsl}`, true),
  sweepAdvance: sweepAdvanceWgsl,
};

const WORKGROUP = 256;
/** Rounds submitted between convergence checks (a check is one small readback). */
const LABEL_ROUNDS_PER_CHECK = 4;
const SWEEPS_PER_CHECK = 4;

/** How much iterating the GPU needed: label rounds (hook + jump) and relaxation sweeps until nothing changed. */
export interface GpuMeasureStats {
  labelRounds: number;
  relaxSweeps: number;
}

/** The relaxation's tiles of 256 voxels: 16 x 16 in the D-W plane in 2D, 4 x 8 x 8 in 3D. */
function tiling(l: Lattice): { tile: number[]; tiles: number[]; count: number } {
  const tile = l.flat ? [16, 1, 16] : [4, 8, 8];
  const tiles = l.shape.map((size, axis) => Math.ceil(size / tile[axis]));
  return { tile, tiles, count: tiles[0] * tiles[1] * tiles[2] };
}

/** The Lattice struct of shaders/graspi-lattice.wgsl, field by field. */
function latticeParams(l: Lattice): ArrayBuffer {
  const [nd, nh, nw] = l.shape;
  const { tile, tiles, count } = tiling(l);
  return new Params()
    .i32(nd, nh, nw)
    .u32(l.size, Number(l.wrapD), Number(l.wrapH), Number(l.flat), count)
    .i32(...tile, 0, ...tiles, 0)
    .f32(...l.lengths, ...l.halfLengths)
    .bytes();
}

const asWords = (data: ArrayBufferLike) => new Float32Array(data);

/**
 * The tally on the GPU: components by hooking and pointer jumping, both shortest-path fields by
 * in-place float32 relaxation sweeps until a sweep changes nothing, then one reduction pass.
 */
export async function tallyOnGpu(rt: Runtime, phases: Uint8Array, lattice: Lattice): Promise<{ tally: Tally; stats: GpuMeasureStats }> {
  const n = lattice.size;
  const nw = lattice.shape[2];
  const workgroups = grid(n, WORKGROUP);
  const groupCount = workgroups[0] * workgroups[1];
  const packed = new Uint8Array(Math.ceil(n / 4) * 4);
  packed.set(phases);
  const limits = new Float32Array(2 * nw);
  limits.set(straightPathLimits(lattice, 'anode'), 0);
  limits.set(straightPathLimits(lattice, 'cathode'), nw);

  const owned: Tensor[] = [];
  const own = (t: Tensor) => (owned.push(t), t);
  // Bound at binding 0 by every kernel; ours (not the runtime's per-kernel uniform) so that it is freed here.
  const params = rt.uniform(latticeParams(lattice));
  try {
    const phaseWords = own(rt.upload(asWords(packed.buffer), [packed.length / 4]));
    const label = own(rt.tensor([n]));
    const electrode = own(rt.tensor([n]));
    const de = own(rt.tensor([n]));
    const dg = own(rt.tensor([n]));
    const changed = own(rt.upload(new Float32Array(1), [1]));
    const limitBuffer = own(rt.upload(limits, [limits.length]));
    const counters = own(rt.upload(new Float32Array(COUNTERS.length + nw), [COUNTERS.length + nw]));
    const dissPartial = own(rt.tensor([groupCount]));
    const tileCount = tiling(lattice).count;
    const stamps = own(rt.upload(new Float32Array(tileCount), [tileCount]));
    const sweep = own(rt.upload(asWords(Uint32Array.of(1).buffer), [1]));

    const kernel = (name: keyof typeof SHADERS, buffers: Tensor[], bytes: number, groups = workgroups): Dispatch =>
      rt.kernel({
        label: `graspi-${name}`,
        work: { signature: `graspi ${name} [${lattice.shape}]`, bytes },
        shader: SHADERS[name],
        buffers: name === 'sweepAdvance' ? buffers : [params, ...buffers],
        workgroups: groups,
      });
    const voxelBytes = 4 * n;
    const init = kernel('init', [phaseWords, label, electrode, de, dg], 4 * voxelBytes);
    const hook = kernel('hook', [phaseWords, label, changed], voxelBytes);
    const jump = kernel('jump', [label, changed], voxelBytes);
    const electrodeFlags = kernel('electrodeFlags', [label, electrode], voxelBytes);
    const relax = kernel('relax', [phaseWords, de, dg, changed, stamps, sweep], 2 * voxelBytes, grid(tileCount * WORKGROUP, WORKGROUP));
    const sweepAdvance = kernel('sweepAdvance', [sweep], 4, [1, 1, 1]);
    const tally = kernel('tally', [phaseWords, label, electrode, de, dg, limitBuffer, counters, dissPartial], 4 * voxelBytes);

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
    rt.release(...owned);
    params.destroy();
  }
}
