import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkFixture } from '../check.js';
import { UsageError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import { F16_TOLERANCE, parsePrecision } from '../models/precision.js';
import type { Runtime } from '../runtime/index.js';
import { parseNumber, splitList } from './args.js';
import type { CommandIo } from './command-io.js';
import { plural } from './format.js';

const DEFAULT_TOLERANCE = 1e-4;

export const CHECK_HELP = `mg3d check FIXTURE_DIR [--tolerance T] [--cases unet,decoder,...] [--precision f16]

Converts the folder's .pt files, runs every case in cases.safetensors (encoder,
decoder, fp, unet, sample) on this GPU and prints each tensor's relative error
||out - expected|| / ||expected||. Exits 1 if any exceeds T (default ${DEFAULT_TOLERANCE}).
--cases runs only the named cases. --precision f16 runs the UNet in the f16
mode (mg3d help generate); its default bars are then ${F16_TOLERANCE.unet} for the unet
case and ${F16_TOLERANCE.sample} for the sample case (the VAE and FP stay f32: ${DEFAULT_TOLERANCE}).`;

export async function checkCommand(
  rt: Runtime,
  f: { positional: string[]; tolerance?: string; cases?: string; precision?: string },
  { out, warn }: CommandIo,
  status: (line: string) => void,
): Promise<number> {
  const dir = f.positional[0];
  if (!dir) throw new UsageError('check: give a fixture folder');
  if (!existsSync(join(dir, 'cases.safetensors'))) throw new UsageError(`check: ${dir} has no cases.safetensors`);
  const precision = parsePrecision(f.precision);
  const given = f.tolerance === undefined ? undefined : parseNumber('tolerance', f.tolerance, { min: 0 });
  const tolerance = (name: string) => given ?? (precision === 'f16' ? f16Tolerance(name) : DEFAULT_TOLERANCE);
  warn(`adapter: ${rt.adapterName}${precision === 'f16' ? ' (UNet in f16)' : ''}`);
  const read = async (name: string) => (existsSync(join(dir, name)) ? readFileBytes(join(dir, name)) : undefined);
  const results = await checkFixture(rt, read, {
    cases: f.cases === undefined ? undefined : splitList('cases', f.cases),
    precision,
    onResult: (r) => out(`${r.name.padEnd(28)} ${r.relativeError.toExponential(3)}${passes(r, tolerance) ? '' : '  FAIL'}`),
    onProgress: status,
  });
  const { lines, ok } = checkVerdict(results, tolerance);
  for (const line of lines) out(line);
  return ok ? 0 : 1;
}

interface TensorResult {
  name: string;
  relativeError: number;
}

/** NaN compares false both ways: a tensor passes only if its error is a number within its bar. */
function passes(r: TensorResult, tolerance: (name: string) => number): boolean {
  return r.relativeError <= tolerance(r.name);
}

/** The closing lines of a check: the largest error, then PASSED or FAILED naming the tolerance(s). */
export function checkVerdict(results: readonly TensorResult[], tolerance: (name: string) => number): { lines: string[]; ok: boolean } {
  const failed = results.filter((r) => !passes(r, tolerance)).length;
  const errors = results.map((r) => r.relativeError);
  const max = errors.some(Number.isNaN) ? NaN : Math.max(...errors);
  const bars = [...new Set(results.map((r) => tolerance(r.name)))].sort((a, b) => a - b).map((t) => t.toExponential()).join(' / ');
  const tensors = plural(results.length, 'tensor');
  return {
    lines: [`max relative error ${max.toExponential(3)} over ${tensors}`, failed ? `FAILED: ${failed} of ${tensors} above ${bars}` : `PASSED: ${tensors} within ${bars}`],
    ok: failed === 0,
  };
}

/** The f16 mode's bar for a fixture tensor: the UNet's cases have their own, the f32 stages keep the default. */
function f16Tolerance(name: string): number {
  if (name.startsWith('unet.')) return F16_TOLERANCE.unet;
  if (name.startsWith('sample.')) return F16_TOLERANCE.sample;
  return DEFAULT_TOLERANCE;
}
