import type { PhaseVolume } from '../descriptors/index.js';
import { uniformStream } from '../models/random-model.js';

/** Domain period in voxels: about the feature size of the CH morphologies MicroGen3D is trained on. */
const WAVELENGTH = 12;
const WAVES = 48;

/**
 * A two-phase bulk-heterojunction-like volume for timing descriptors: Cahn's
 * random-wave model of spinodal decomposition (a sum of plane waves of one
 * wavelength in random directions and phases), cut at its median, so half
 * donor, half acceptor, both bicontinuous with winding paths to the electrodes.
 */
export function spinodalVolume(shape: [number, number, number], seed = 1): PhaseVolume {
  const [nd, nh, nw] = shape;
  const random = uniformStream(seed);
  const q = (2 * Math.PI) / WAVELENGTH;
  const waves = Array.from({ length: WAVES }, () => {
    const z = 2 * random() - 1;
    const phi = 2 * Math.PI * random();
    const r = Math.sqrt(1 - z * z);
    return { kd: q * r * Math.cos(phi), kh: q * r * Math.sin(phi), kw: q * z, phase: 2 * Math.PI * random() };
  });
  const field = new Float32Array(nd * nh * nw);
  let i = 0;
  for (let d = 0; d < nd; d++) {
    for (let h = 0; h < nh; h++) {
      for (let w = 0; w < nw; w++) {
        let sum = 0;
        for (const k of waves) sum += Math.cos(k.kd * d + k.kh * h + k.kw * w + k.phase);
        field[i++] = sum;
      }
    }
  }
  const median = Float32Array.from(field).sort()[field.length >> 1];
  return { data: Uint8Array.from(field, (v) => (v < median ? 0 : 1)), shape };
}
