/**
 * GraSPI's morphology descriptors of a phase volume (Wodo et al., Organic Electronics 2012), computed
 * as its C++ does (github owodolab/GraSPI-AmCr): conventions in README "Measuring descriptors".
 */
import { UsageError } from '../errors.js';
import type { Runtime } from '../runtime/index.js';
import { assemble, THREE_PHASE_NAMES, TWO_PHASE_NAMES, type Descriptors } from './assemble.js';
import { tallyOnGpu } from './gpu-measure.js';
import { Lattice } from './lattice.js';

export type { Descriptors } from './assemble.js';

/** A phase map (D, H, W) in C order = GraSPI (x, y, z): 0 donor, 1 acceptor, 2 mixed. W is the electrode axis. */
export interface PhaseVolume {
  data: Uint8Array;
  shape: [number, number, number];
}

export interface MeasureOptions {
  /** Periodic in D and H (GraSPI's x and y; in 2D, H = 1, only D). Default false. */
  periodic?: boolean;
  /** Edge length unit; default 1 (distances in voxels). */
  pixelSize?: number;
  /** 2: every voxel must be 0 or 1. 3: the mixed phase too. Default: 3 when a voxel is 2, else 2. */
  phases?: 2 | 3;
}

/** The descriptor names `measureDescriptors` returns, in a stable print order. */
export function descriptorNames(phases: 2 | 3): string[] {
  return [...(phases === 3 ? THREE_PHASE_NAMES : TWO_PHASE_NAMES)];
}

/** Checks a volume and options; returns the phase count to measure with. */
export function checkPhaseVolume(volume: PhaseVolume, options: MeasureOptions = {}): 2 | 3 {
  const { data, shape } = volume;
  if (shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new UsageError(`phase volume shape must be three positive integers (D, H, W), got [${shape.join(', ')}]`);
  }
  const size = shape[0] * shape[1] * shape[2];
  if (data.length !== size) throw new UsageError(`phase volume has ${data.length} voxels, its shape [${shape.join(', ')}] needs ${size}`);
  if (options.pixelSize !== undefined && !(options.pixelSize > 0 && Number.isFinite(options.pixelSize))) {
    throw new UsageError(`pixelSize must be a positive number, got ${options.pixelSize}`);
  }
  let max = 0;
  for (let i = 0; i < size; i++) if (data[i] > max) max = data[i];
  if (max > 2) throw new UsageError(`phase values must be 0 (donor), 1 (acceptor) or 2 (mixed), found ${max}`);
  if (options.phases === 2 && max === 2) throw new UsageError('the volume has mixed-phase voxels (value 2): measure it with phases: 3');
  if (options.phases !== undefined && options.phases !== 2 && options.phases !== 3) {
    throw new UsageError(`phases must be 2 or 3, got ${String(options.phases)}`);
  }
  return options.phases ?? (max === 2 ? 3 : 2);
}

/** Every GraSPI descriptor of the volume (names: `descriptorNames`). */
export async function measureDescriptors(rt: Runtime, volume: PhaseVolume, options: MeasureOptions = {}): Promise<Descriptors> {
  const phases = checkPhaseVolume(volume, options);
  const lattice = new Lattice(volume.shape, options.periodic ?? false, options.pixelSize ?? 1);
  const { tally } = await tallyOnGpu(rt, volume.data, lattice);
  return assemble(tally, lattice, phases);
}
