import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { measureCommand, type MeasureFlags } from '../../src/cli/measure-command.js';
import { descriptorNames, measureDescriptors } from '../../src/descriptors/index.js';
import { FormatError, UsageError } from '../../src/errors.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeVti } from '../../src/io/vti.js';
import { threshold } from '../../src/microgen3d.js';
import { useRuntime } from '../helpers/gpu.js';
import { randomArray } from '../helpers/numeric.js';

const rt = useRuntime();
const FIXTURES = fileURLToPath(new URL('../fixtures/graspi/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mg3d-measure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function measure(flags: Omit<MeasureFlags, 'positional'>, ...files: string[]): Promise<string[]> {
  const lines: string[] = [];
  expect(await measureCommand(rt(), { positional: files, ...flags }, (l) => lines.push(l))).toBe(0);
  return lines;
}

describe('mg3d measure', () => {
  for (const [name, log, periodic] of [
    ['testFile-4x3-2D', 'testFile-4x3-2D.periodic.log', true],
    ['data_0.5_2.2_001900', 'data_0.5_2.2_001900.log', false],
  ] as const) {
    it(`prints GraSPI's published output for ${name} to every digit`, async () => {
      const lines = await measure({ periodic }, join(FIXTURES, `${name}.txt`));
      const printed = new Map(lines.slice(1).map((l) => l.trim().split(/\s+/) as [string, string]));
      const expected = readFileSync(join(FIXTURES, log), 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/));
      expect(expected.map(([k]) => [k, printed.get(k)])).toEqual(expected);
    });
  }

  it('reads uint8 .npy phase maps and thresholds raw .vti volumes like generate; --json is one object per file', async () => {
    const shape = [7, 5, 9];
    const raw = randomArray(7 * 5 * 9, 3).map((v) => 0.5 + 0.5 * Math.tanh(v));
    const phases = threshold(raw, [0.45]);
    writeFileSync(join(dir, 'phases.npy'), writeNpy(shape, phases));
    writeFileSync(join(dir, 'raw.vti'), writeVti(shape, raw, 'volume'));
    const lines = await measure({ json: true, threshold: '0.45' }, join(dir, 'phases.npy'), join(dir, 'raw.vti'));
    expect(lines).toHaveLength(2);
    const expected = await measureDescriptors(rt(), { data: phases, shape: [7, 5, 9] });
    for (const line of lines) {
      const { file, ...values } = JSON.parse(line) as Record<string, number | string>;
      expect(typeof file).toBe('string');
      expect(values).toEqual(expected);
    }
  });

  it('two thresholds measure three phases', async () => {
    const raw = randomArray(5 * 4 * 6, 4).map((v) => 0.5 + 0.5 * Math.tanh(v));
    writeFileSync(join(dir, 'three.npy'), writeNpy([5, 4, 6], raw));
    const lines = await measure({ threshold: '0.3,0.7' }, join(dir, 'three.npy'));
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(descriptorNames(3));
  });

  it('a bad file is one error naming it, before anything is measured', async () => {
    writeFileSync(join(dir, 'broken.npy'), 'not numpy');
    writeFileSync(join(dir, 'short.txt'), '4 3\n0 1 0\n');
    writeFileSync(join(dir, 'four.npy'), writeNpy([2, 2, 2, 2], new Float32Array(16)));
    const lines: string[] = [];
    const run = (file: string) => measureCommand(rt(), { positional: [join(FIXTURES, 'testFile-4x3-2D.txt'), file] }, (l) => lines.push(l));
    await expect(run(join(dir, 'broken.npy'))).rejects.toThrow(FormatError);
    await expect(run(join(dir, 'short.txt'))).rejects.toThrow(/short\.txt: GraSPI file has 3 values/);
    await expect(run(join(dir, 'four.npy'))).rejects.toThrow(/four\.npy: expected a 2D or 3D volume/);
    await expect(run(join(dir, 'volume.raw'))).rejects.toThrow(UsageError);
    expect(lines).toEqual([]);
    await expect(measureCommand(rt(), { positional: [join(dir, 'phases.npy')], threshold: '0.7,0.2' }, () => {})).rejects.toThrow(/ascending/);
    await expect(measureCommand(rt(), { positional: [join(dir, 'phases.npy')], 'pixel-size': '0' }, () => {})).rejects.toThrow(/--pixel-size wants a positive/);
  });
});
