/**
 * The voxel graph GraSPI builds, as a stencil: a volume (D, H, W) is GraSPI's (x, y, z), the last axis
 * W is the electrode axis (cathode below w = 0, anode above w = W - 1). H = 1 is GraSPI's 2D mode:
 * the 8-neighbourhood in the D-W plane, periodic only along D. Otherwise the 26-neighbourhood,
 * periodic along D and H on request. Edge lengths are 1, sqrt 2, sqrt 3 times the pixel size, stored
 * in float32 as the C++ does.
 */
export interface StencilOffset {
  dd: number;
  dh: number;
  dw: number;
  /** 1 face, 2 edge, 3 corner neighbour (GraSPI's 'f', 's', 't'). */
  kind: 1 | 2 | 3;
}

export class Lattice {
  readonly size: number;
  readonly flat: boolean;
  /** An axis of 1 or 2 voxels gains no neighbour by wrapping (2: the same pair again; 1: itself). */
  readonly wrapD: boolean;
  readonly wrapH: boolean;
  /** All neighbour offsets; `half` the ones with a positive first non-zero component (each pair once). */
  readonly offsets: StencilOffset[];
  readonly half: StencilOffset[];
  /** float32 edge length by kind (index 1..3); index 0 unused. */
  readonly lengths: Float32Array;
  /** float32 interface-vertex edge by kind: half the voxel edge. */
  readonly halfLengths: Float32Array;

  constructor(
    readonly shape: readonly [number, number, number],
    periodic: boolean,
    readonly pixelSize: number,
  ) {
    const [d, h, w] = shape;
    this.size = d * h * w;
    this.flat = h === 1;
    this.wrapD = periodic && d > 2;
    this.wrapH = periodic && !this.flat && h > 2;
    this.offsets = [];
    for (let dd = -1; dd <= 1; dd++) {
      for (let dh = this.flat ? 0 : -1; dh <= (this.flat ? 0 : 1); dh++) {
        for (let dw = -1; dw <= 1; dw++) {
          const kind = (Math.abs(dd) + Math.abs(dh) + Math.abs(dw)) as 0 | 1 | 2 | 3;
          if (kind !== 0) this.offsets.push({ dd, dh, dw, kind });
        }
      }
    }
    this.half = this.offsets.filter((o) => (o.dd !== 0 ? o.dd : o.dh !== 0 ? o.dh : o.dw) > 0);
    const length = (kind: number) => (kind === 1 ? 1 : Math.sqrt(kind)) * pixelSize;
    this.lengths = Float32Array.from([0, 1, 2, 3], (k) => length(k));
    this.halfLengths = Float32Array.from([0, 1, 2, 3], (k) => length(k) / 2);
  }

  /** The neighbour's index, or -1 outside the volume (electrode planes included: callers test w). */
  neighbour(index: number, o: StencilOffset): number {
    const [nd, nh, nw] = this.shape;
    const w = (index % nw) + o.dw;
    if (w < 0 || w >= nw) return -1;
    let h = (Math.floor(index / nw) % nh) + o.dh;
    let d = Math.floor(index / (nw * nh)) + o.dd;
    if (d < 0 || d >= nd) {
      if (!this.wrapD) return -1;
      d = (d + nd) % nd;
    }
    if (h < 0 || h >= nh) {
      if (!this.wrapH) return -1;
      h = (h + nh) % nh;
    }
    return (d * nh + h) * nw + w;
  }
}
