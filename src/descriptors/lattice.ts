/**
 * The voxel graph GraSPI builds, as a stencil (walked by shaders/graspi-lattice.wgsl): a volume
 * (D, H, W) is GraSPI's (x, y, z), the last axis W is the electrode axis (cathode below w = 0, anode
 * above w = W - 1). H = 1 is GraSPI's 2D mode: the 8-neighbourhood in the D-W plane, periodic only
 * along D. Otherwise the 26-neighbourhood, periodic along D and H on request. Edge lengths are 1,
 * sqrt 2, sqrt 3 times the pixel size, stored in float32 as the C++ does.
 */
export class Lattice {
  readonly size: number;
  readonly flat: boolean;
  /** An axis of 1 or 2 voxels gains no neighbour by wrapping (2: the same pair again; 1: itself). */
  readonly wrapD: boolean;
  readonly wrapH: boolean;
  /** float32 edge length by kind (index 1..3); index 0 unused. */
  readonly lengths: Float32Array;
  /** float32 interface-vertex edge by kind: half the voxel edge. */
  readonly halfLengths: Float32Array;

  constructor(
    readonly shape: readonly [number, number, number],
    periodic: boolean,
    readonly pixelSize: number,
  ) {
    const [d, h] = shape;
    this.size = shape[0] * shape[1] * shape[2];
    this.flat = h === 1;
    this.wrapD = periodic && d > 2;
    this.wrapH = periodic && !this.flat && h > 2;
    const length = (kind: number) => (kind === 1 ? 1 : Math.sqrt(kind)) * pixelSize;
    this.lengths = Float32Array.from([0, 1, 2, 3], (k) => length(k));
    this.halfLengths = Float32Array.from([0, 1, 2, 3], (k) => length(k) / 2);
  }
}
