import { basename, extname } from 'node:path';
import { descriptorNames, measureDescriptors, type Descriptors, type PhaseVolume } from '../descriptors/index.js';
import { formatDescriptor } from '../descriptors/format.js';
import { readGraspiText } from '../descriptors/graspi-text.js';
import { FormatError, UsageError } from '../errors.js';
import type { HostTensor } from '../io/host-tensor.js';
import { readFileBytes } from '../io/node-files.js';
import { readNpy } from '../io/npy.js';
import { readVti } from '../io/vti.js';
import { threshold } from '../microgen3d.js';
import type { Runtime } from '../runtime/index.js';
import { parseNumber, parseThresholds } from './args.js';

export const MEASURE_HELP = `mg3d measure FILE... [--threshold T[,T2]] [--periodic] [--pixel-size P] [--json]

GraSPI's morphology descriptors of each file (README "Measuring descriptors").
FILE: a .vti or .npy volume, or a GraSPI .txt file. A file whose values are all
0, 1 or 2 is a phase map (0 donor, 1 acceptor, 2 mixed); any other is a raw
volume in [0, 1] thresholded as generate does (--threshold, default 0.5; two
ascending values give three phases). Axes (D, H, W) are GraSPI's (x, y, z): the
last axis is the electrode axis (cathode at W = 0, anode at W = end); a volume
with H = 1 (or a 2D .npy / GraSPI file) is measured in GraSPI's 2D mode.
  --periodic       periodic in D and H (GraSPI's x and y; in 2D only D)
  --pixel-size P   edge length unit (default 1)
  --json           one JSON object {descriptor: value} per file and line
Prints a table: one row per descriptor, one column per file.`;

export interface MeasureFlags {
  positional: string[];
  threshold?: string;
  periodic?: boolean;
  'pixel-size'?: string;
  json?: boolean;
}

/** (D, H, W) from a read volume: leading axes of size 1 dropped; a 2D (D, W) array is (D, 1, W). */
function volumeShape(shape: readonly number[], file: string): [number, number, number] {
  const s = [...shape];
  while (s.length > 3 && s[0] === 1) s.shift();
  if (s.length === 2) return [s[0], 1, s[1]];
  if (s.length !== 3) throw new FormatError(file, `expected a 2D or 3D volume, got shape [${shape.join(', ')}]`);
  return s as [number, number, number];
}

/** A phase map as it is; a raw volume thresholded (two thresholds: three phases, mixed voxels or not). */
function toPhases(volume: HostTensor, thresholds: number[], file: string): { volume: PhaseVolume; phases?: 2 | 3 } {
  const shape = volumeShape(volume.shape, file);
  const v = volume.data;
  let phaseMap = true;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new FormatError(file, `value ${i} is ${v[i]}; a volume must be finite`);
    if (v[i] !== 0 && v[i] !== 1 && v[i] !== 2) phaseMap = false;
  }
  if (phaseMap) return { volume: { data: Uint8Array.from(v), shape } };
  return { volume: { data: threshold(v, thresholds), shape }, phases: thresholds.length === 2 ? 3 : 2 };
}

async function readVolume(file: string, thresholds: number[]): Promise<{ volume: PhaseVolume; phases?: 2 | 3 }> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.vti' && ext !== '.npy' && ext !== '.txt') throw new UsageError(`measure: ${file}: expected a .vti, .npy or GraSPI .txt file`);
  const bytes = await readFileBytes(file);
  if (ext === '.txt') return { volume: readGraspiText(new TextDecoder().decode(bytes), file) };
  const raw = ext === '.vti' ? readVti(bytes, file) : readNpy(bytes, file);
  return toPhases(raw, thresholds, file);
}

export async function measureCommand(
  rt: Runtime,
  f: MeasureFlags,
  out: (line: string) => void,
  status: (line: string) => void = () => {},
): Promise<number> {
  if (f.positional.length === 0) throw new UsageError('measure: give one or more volume files');
  const thresholds = parseThresholds(f.threshold);
  const pixelSize = f['pixel-size'] === undefined ? 1 : parseNumber('pixel-size', f['pixel-size'], { min: 0 });
  if (pixelSize === 0) throw new UsageError('--pixel-size wants a positive number, got 0');
  // Every file is read and checked before any is measured: a bad file costs no GPU time.
  const inputs = [];
  for (const file of f.positional) inputs.push({ file, ...(await readVolume(file, thresholds)) });
  const results: { file: string; descriptors: Descriptors }[] = [];
  for (const [k, { file, volume, phases }] of inputs.entries()) {
    status(`measuring ${k + 1}/${inputs.length}: ${file} [${volume.shape.join('x')}]`);
    const descriptors = await measureDescriptors(rt, volume, { periodic: Boolean(f.periodic), pixelSize, phases });
    if (f.json) out(JSON.stringify({ file, ...descriptors }));
    results.push({ file, descriptors });
  }
  if (!f.json) printTable(results, out);
  return 0;
}

function printTable(results: { file: string; descriptors: Descriptors }[], out: (line: string) => void): void {
  const three = results.some((r) => 'vol_frac_M' in r.descriptors);
  const names = descriptorNames(three ? 3 : 2);
  const columns = results.map((r) => ({
    title: basename(r.file),
    cells: names.map((n) => (n in r.descriptors ? formatDescriptor(r.descriptors[n]) : '-')),
  }));
  const nameWidth = Math.max(...names.map((n) => n.length));
  const widths = columns.map((c) => Math.max(c.title.length, ...c.cells.map((s) => s.length)));
  out(['descriptor'.padEnd(nameWidth), ...columns.map((c, i) => c.title.padStart(widths[i]))].join('  '));
  names.forEach((name, row) => out([name.padEnd(nameWidth), ...columns.map((c, i) => c.cells[row].padStart(widths[i]))].join('  ')));
}
