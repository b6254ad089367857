import { readSafetensors, writeSafetensors, type OptionalFileSource } from '../src/browser.js';

const CASES_FILE = 'cases.safetensors';

/** Case names present in a fixture's cases file: tensors are named `<case>.<tensor>`. */
function caseNames(tensorNames: Iterable<string>): string[] {
  return [...new Set([...tensorNames].map((name) => name.split('.')[0]!))];
}

/**
 * A fixture reader whose cases file holds only the chosen cases: checkFixture
 * runs every case present, and some (the 998-step 'sample') take minutes here.
 */
export function onlyCases(read: OptionalFileSource, chosen: readonly string[]): OptionalFileSource {
  return async (name) => {
    const bytes = await read(name);
    if (name !== CASES_FILE || !bytes) return bytes;
    const { tensors } = readSafetensors(bytes, CASES_FILE);
    const present = caseNames(tensors.keys());
    const missing = chosen.filter((c) => !present.includes(c));
    if (missing.length) throw new Error(`${CASES_FILE} has no case ${missing.join(', ')} (it has ${present.join(', ')})`);
    return writeSafetensors([...tensors].filter(([tensor]) => chosen.includes(tensor.split('.')[0]!)));
  };
}
