import type { Lattice } from './lattice.js';

/** Descriptor names in GraSPI's print order (its C++ log of data_0.5_2.2_001900). */
export const TWO_PHASE_NAMES = [
  'STAT_n', 'STAT_e', 'STAT_n_D', 'STAT_n_A', 'STAT_CC_D', 'STAT_CC_A', 'STAT_CC_D_An', 'STAT_CC_A_Ca',
  'ABS_wf_D', 'ABS_f_D', 'DISS_f10_D', 'DISS_wf10_D', 'CT_f_e_conn', 'CT_f_conn_D_An', 'CT_f_conn_A_Ca',
  'CT_e_conn', 'CT_e_D_An', 'CT_e_A_Ca', 'CT_n_D_adj_An', 'CT_n_A_adj_Ca', 'CT_f_D_tort1', 'CT_f_A_tort1',
] as const;

/** Three phases add the mixed phase's counts and the CH 3-phase model's four attributes. */
export const THREE_PHASE_NAMES = [
  ...TWO_PHASE_NAMES, 'STAT_n_M', 'STAT_CC_M', 'vol_frac_D', 'vol_frac_M', 'tortuosity_D', 'tortuosity_A',
] as const;

/** What a measurement counts; `assemble` turns it into descriptors. Every field is an exact count except the DISS weight sum. */
export interface Tally {
  donors: number;
  acceptors: number;
  mixed: number;
  /** Donor voxels per plane w (ABS_wf_D weighs each plane by its height). */
  donorsByPlane: ArrayLike<number>;
  /** Face-adjacent donor-acceptor pairs (STAT_e), and those whose donor side reaches the anode and acceptor side the cathode. */
  faceInterfaces: number;
  connectedFaceInterfaces: number;
  componentsD: number;
  componentsA: number;
  componentsM: number;
  componentsDAnode: number;
  componentsACathode: number;
  donorsInAnodeComponents: number;
  acceptorsInCathodeComponents: number;
  /** Voxels with an other-phase neighbour (an edge to the interface vertex) in an electrode-connected component. */
  interfaceDonorsAnode: number;
  interfaceAcceptorsCathode: number;
  donorsAtAnode: number;
  acceptorsAtCathode: number;
  /** Donors at path distance in (0, 10) from the interface vertex, and their summed DISS weight. */
  dissCount: number;
  dissWeight: number;
  /** Electrode-connected voxels whose shortest path passes the tort1 test (`straightPathLimits`). */
  straightD: number;
  straightA: number;
}

export type Descriptors = Record<string, number>;

/** GraSPI divides by counts that can be zero (printing nan); an empty set gives 0 here, as its tortuosity does. */
function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** The DISS weight of a donor at path distance d from the interface (foo_w_diss in the C++). */
export function dissWeight(d: number): number {
  return 6.265 * Math.exp(-(((d + 23) / 17.17) ** 2));
}

export function assemble(t: Tally, lattice: Lattice, phases: 2 | 3): Descriptors {
  const nw = lattice.shape[2];
  let absWeighted = 0;
  for (let w = 0; w < nw; w++) absWeighted += t.donorsByPlane[w] * Math.exp((-(nw - w) * lattice.pixelSize) / 100);
  const all = t.donors + t.acceptors + t.mixed;
  const out: Descriptors = {
    STAT_n: t.donors + t.acceptors,
    STAT_e: t.faceInterfaces,
    STAT_n_D: t.donors,
    STAT_n_A: t.acceptors,
    STAT_CC_D: t.componentsD,
    STAT_CC_A: t.componentsA,
    STAT_CC_D_An: t.componentsDAnode,
    STAT_CC_A_Ca: t.componentsACathode,
    ABS_wf_D: absWeighted / lattice.size,
    ABS_f_D: ratio(t.donors, all),
    DISS_f10_D: ratio(t.dissCount, t.donors),
    DISS_wf10_D: ratio(t.dissWeight, t.donors),
    CT_f_e_conn: ratio(t.connectedFaceInterfaces, t.faceInterfaces),
    CT_f_conn_D_An: ratio(t.donorsInAnodeComponents, t.donors),
    CT_f_conn_A_Ca: ratio(t.acceptorsInCathodeComponents, t.acceptors),
    CT_e_conn: t.connectedFaceInterfaces,
    CT_e_D_An: t.interfaceDonorsAnode,
    CT_e_A_Ca: t.interfaceAcceptorsCathode,
    CT_n_D_adj_An: t.donorsAtAnode,
    CT_n_A_adj_Ca: t.acceptorsAtCathode,
    CT_f_D_tort1: ratio(t.straightD, t.donorsInAnodeComponents),
    CT_f_A_tort1: ratio(t.straightA, t.acceptorsInCathodeComponents),
  };
  if (phases === 3) {
    out.STAT_n_M = t.mixed;
    out.STAT_CC_M = t.componentsM;
    out.vol_frac_D = ratio(t.donors, all);
    out.vol_frac_M = ratio(t.mixed, all);
    out.tortuosity_D = out.CT_f_D_tort1;
    out.tortuosity_A = out.CT_f_A_tort1;
  }
  return out;
}

const F32_MAX = 3.4028234663852886e38;
const bits = new Float32Array(1);
const word = new Uint32Array(bits.buffer);
/** The adjacent float32 of a positive float32 x. */
function step(x: number, by: 1 | -1): number {
  bits[0] = x;
  word[0] += by;
  return bits[0];
}

/**
 * The tort1 test as float32 limits per plane w: a voxel at w with float32 path length d counts iff
 * d < limit[w]. GraSPI tests |d / h - 1| < 1 / n_z in double with h the plane distance to the
 * electrode (voxels on the electrode plane always count); searching the float32 value where that
 * double test flips makes the GPU's float32 compare give the same answer for every float32 d,
 * ties included.
 */
export function straightPathLimits(lattice: Lattice, towards: 'anode' | 'cathode'): Float32Array {
  const nw = lattice.shape[2];
  const eps = 1 / nw;
  const limits = new Float32Array(nw);
  for (let w = 0; w < nw; w++) {
    const h = (towards === 'anode' ? nw - 1 - w : w) * lattice.pixelSize;
    if (Math.abs(h) < 1e-20) {
      limits[w] = F32_MAX;
      continue;
    }
    const passes = (d: number) => Math.abs(d / h - 1) < eps;
    let limit = Math.fround(h * (1 + eps));
    while (passes(limit)) limit = step(limit, 1);
    while (!passes(step(limit, -1)) && step(limit, -1) > h) limit = step(limit, -1);
    limits[w] = limit;
  }
  return limits;
}
