import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDescriptor } from '../../src/descriptors/format.js';
import { readGraspiText } from '../../src/descriptors/graspi-text.js';
import { graspiReference } from '../reference/graspi.js';

// GraSPI's own C++ outputs as shipped with py-graspi (test/fixtures/graspi/README.md).
const FIXTURES = new URL('../fixtures/graspi/', import.meta.url);
const CASES = [
  { name: 'testFile-4x3-2D', log: 'testFile-4x3-2D.periodic.log', periodic: true },
  { name: 'data_0.5_2.2_001900', log: 'data_0.5_2.2_001900.log', periodic: false },
];

function expected(log: string): [string, string][] {
  return readFileSync(new URL(log, FIXTURES), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/) as [string, string]);
}

describe('float64 reference vs GraSPI C++ published outputs', () => {
  for (const c of CASES) {
    it(`${c.name} (${c.periodic ? 'periodic' : 'non-periodic'}) to every printed digit`, () => {
      const { data: phases, shape } = readGraspiText(readFileSync(new URL(`${c.name}.txt`, FIXTURES), 'utf8'), c.name);
      const got = graspiReference(phases, shape, { periodic: c.periodic });
      const printed = expected(c.log).map(([k]) => [k, formatDescriptor(got[k])]);
      expect(printed).toEqual(expected(c.log));
    });
  }
});
