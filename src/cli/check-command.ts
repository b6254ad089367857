import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkFixture } from '../check.js';
import { UsageError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import type { Runtime } from '../runtime/index.js';
import { parseNameList, parseNumber } from './args.js';

export const CHECK_HELP = `mg3d check FIXTURE_DIR [--tolerance T] [--cases unet,decoder,...]

Converts the folder's .pt files, runs every case in cases.safetensors (encoder,
decoder, fp, unet, sample) on this GPU and prints each tensor's relative error
||out - expected|| / ||expected||. Exits 1 if any exceeds T (default 1e-4).
--cases runs only the named cases.`;

export async function checkCommand(
  rt: Runtime,
  f: { positional: string[]; tolerance?: string; cases?: string },
  out: (line: string) => void,
  status: (line: string) => void,
): Promise<number> {
  const dir = f.positional[0];
  if (!dir) throw new UsageError('check: give a fixture folder');
  if (!existsSync(join(dir, 'cases.safetensors'))) throw new UsageError(`check: ${dir} has no cases.safetensors`);
  const tolerance = f.tolerance === undefined ? 1e-4 : parseNumber('tolerance', f.tolerance, { min: 0 });
  out(`adapter: ${rt.adapterName}`);
  const read = async (name: string) => (existsSync(join(dir, name)) ? readFileBytes(join(dir, name)) : undefined);
  const results = await checkFixture(rt, read, {
    cases: f.cases === undefined ? undefined : parseNameList(f.cases),
    onResult: (r) => out(`${r.name.padEnd(28)} ${r.relativeError.toExponential(3)}${r.relativeError > tolerance ? '  FAIL' : ''}`),
    onProgress: status,
  });
  const max = Math.max(...results.map((r) => r.relativeError));
  out(`max relative error ${max.toExponential(3)} over ${results.length} tensors`);
  return results.every((r) => r.relativeError <= tolerance) ? 0 : 1;
}
