/** Runs a fixture folder (fixtures/README.md format) through checkFixture, for the shared and the committed fixtures. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFixture, type CheckOptions, type TensorCheck } from '../../src/check.js';
import type { Runtime } from '../../src/runtime/index.js';

/** Every case of the folder, each result logged as `<label> <tensor> <error>`. */
export async function fixtureErrors(rt: Runtime, dir: string, label: string, options: CheckOptions = {}): Promise<TensorCheck[]> {
  const read = async (name: string) => (existsSync(join(dir, name)) ? new Uint8Array(readFileSync(join(dir, name))) : undefined);
  const results = await checkFixture(rt, read, options);
  for (const r of results) console.log(`${label} ${r.name} ${r.relativeError.toExponential(3)}`);
  return results;
}
