import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkFixture } from '../check.js';
import { UsageError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import { describeSubgroupMatrices } from '../ops/gemm.js';
import { F16_BARS, F32_BAR, parityBar } from '../parity-bars.js';
import type { Runtime } from '../runtime/index.js';
import { parseNumber, parsePrecision, splitList } from './args.js';
import type { CommandIo } from './command-io.js';
import { plural } from './format.js';

export const CHECK_HELP = `mg3d check FIXTURE_DIR [--tolerance T] [--cases unet,decoder,...] [--precision f16]

Converts the folder's .pt files, runs every case in cases.safetensors (encoder,
decoder, fp, unet, sample) on this GPU and prints each tensor's relative error
||out - expected|| / ||expected||. Exits 1 if any exceeds T (default ${F32_BAR}).
--cases runs only the named cases. --precision f16 runs the UNet in the f16
mode (mg3d help generate); its default bars are then ${F16_BARS.unet} for the unet
case and ${F16_BARS.sample} for the sample case (the VAE and FP stay f32: ${F32_BAR}).`;

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
  const tolerance = (name: string) => given ?? parityBar(name, precision);
  warn(`adapter: ${rt.adapterName}${precision === 'f16' ? ' (UNet in f16)' : ''}; ${describeSubgroupMatrices(rt)}`);
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
