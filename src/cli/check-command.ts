import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkFixture } from '../check.js';
import { UsageError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import { F16_BARS, F32_BAR, parityBar } from '../parity-bars.js';
import type { Runtime } from '../runtime/index.js';
import { parseNameList, parseNumber, parsePrecision } from './args.js';

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
  out: (line: string) => void,
  status: (line: string) => void,
): Promise<number> {
  const dir = f.positional[0];
  if (!dir) throw new UsageError('check: give a fixture folder');
  if (!existsSync(join(dir, 'cases.safetensors'))) throw new UsageError(`check: ${dir} has no cases.safetensors`);
  const precision = parsePrecision(f.precision);
  const given = f.tolerance === undefined ? undefined : parseNumber('tolerance', f.tolerance, { min: 0 });
  const tolerance = (name: string) => given ?? parityBar(name, precision);
  out(`adapter: ${rt.adapterName}${precision === 'f16' ? ' (UNet in f16)' : ''}`);
  const read = async (name: string) => (existsSync(join(dir, name)) ? readFileBytes(join(dir, name)) : undefined);
  const results = await checkFixture(rt, read, {
    cases: f.cases === undefined ? undefined : parseNameList(f.cases),
    precision,
    onResult: (r) => out(`${r.name.padEnd(28)} ${r.relativeError.toExponential(3)}${r.relativeError > tolerance(r.name) ? '  FAIL' : ''}`),
    onProgress: status,
  });
  const max = Math.max(...results.map((r) => r.relativeError));
  out(`max relative error ${max.toExponential(3)} over ${results.length} tensors`);
  return results.every((r) => r.relativeError <= tolerance(r.name)) ? 0 : 1;
}
