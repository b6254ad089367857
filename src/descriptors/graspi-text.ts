import { FormatError } from '../errors.js';
import type { PhaseVolume } from './index.js';

/**
 * GraSPI's own input format: a header "nx ny" (2D) or "nx ny nz", then nx*ny*nz phase values with
 * x fastest. In 2D, y is the electrode axis, so a 2D image is our (nx, 1, ny); in 3D (nx, ny, nz).
 * A third header value of 0 or 1 means 2D, as in GraSPI.
 */
export function readGraspiText(text: string, file: string): PhaseVolume {
  const fail = (problem: string) => new FormatError(file, problem);
  const lines = text.split('\n');
  const header = (lines[0] ?? '').trim().split(/\s+/);
  if (header.length < 2 || header.length > 3 || !header.every((t) => /^\d+$/.test(t))) {
    throw fail(`GraSPI header must be "nx ny" or "nx ny nz" (non-negative integers), got ${JSON.stringify(lines[0]?.slice(0, 60) ?? '')}`);
  }
  const [nx, ny, nzRaw = 1] = header.map(Number);
  const nz = Math.max(1, nzRaw);
  if (nx < 1 || ny < 1) throw fail(`GraSPI header sizes must be positive, got ${nx} x ${ny}`);
  const count = nx * ny * nz;
  const values = lines.slice(1).join(' ').trim().split(/\s+/).filter((t) => t !== '');
  if (values.length !== count) throw fail(`GraSPI file has ${values.length} values, its header ${nx} x ${ny} x ${nz} needs ${count}`);
  const shape: [number, number, number] = nz === 1 ? [nx, 1, ny] : [nx, ny, nz];
  const data = new Uint8Array(count);
  for (let src = 0; src < count; src++) {
    const token = values[src];
    if (token !== '0' && token !== '1' && token !== '2') throw fail(`value ${src + 1} is ${JSON.stringify(token.slice(0, 20))}; phases are 0, 1 or 2`);
    const i = src % nx;
    const j = Math.floor(src / nx) % ny;
    const k = Math.floor(src / (nx * ny));
    data[nz === 1 ? i * ny + j : (i * ny + j) * nz + k] = Number(token);
  }
  return { data, shape };
}
