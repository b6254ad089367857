import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { convertCommand } from '../../src/cli/convert-command.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { MicroGen3D } from '../../src/microgen3d.js';
import { useRuntime } from '../helpers/gpu.js';
import { relErr } from '../helpers/numeric.js';

const FIXTURE = fileURLToPath(new URL('../../../shared/fixtures/vae-exp/', import.meta.url));
const present = existsSync(FIXTURE);
if (!present) console.warn(`mg3d convert CLI tests skipped: ${FIXTURE} not found`);

describe.skipIf(!present)('mg3d convert', () => {
  const rt = useRuntime();
  const root = mkdtempSync(join(tmpdir(), 'mg3d-convert-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const custom = { 'latent-shape': '1,4,4,4', 'image-shape': '1,32,32,32', 'first-layer-downsample': 'true', attributes: 'a,b,c' };

  it('converts a checkpoint folder with custom shapes into a model the engine runs', async () => {
    const out = join(root, 'model');
    const log: string[] = [];
    await convertCommand({ positional: [FIXTURE], out, ...custom }, (l) => log.push(l));
    expect(readdirSync(out).sort()).toEqual(['fp.safetensors', 'model.json', 'vae.safetensors']);
    expect(log[log.length - 1]).toMatch(/^custom: latent \[1,4,4,4\], volume \[1,32,32,32\].*attributes a, b, c$/);
    const model = await MicroGen3D.load(rt(), async (name) => new Uint8Array(readFileSync(join(out, name))));
    const cases = readSafetensors(new Uint8Array(readFileSync(join(FIXTURE, 'cases.safetensors'))), 'cases').tensors;
    const features = await model.predictFeatures(cases.get('fp.z')!);
    expect(relErr(features.data, cases.get('fp.out')!.data)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('records the attribute ranges seen in training', async () => {
    const out = join(root, 'ranged');
    await convertCommand({ positional: [FIXTURE], out, ...custom, 'attribute-ranges': 'a=0.1:0.9,c=1:3' }, () => {});
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).attributeRanges).toEqual({ a: [0.1, 0.9], c: [1, 3] });
    await expect(convertCommand({ positional: [FIXTURE], out, ...custom, 'attribute-ranges': 'z=0:1' }, () => {})).rejects.toThrow(
      /--attribute-ranges: 'z' is not one of a, b, c/,
    );
  });

  it('refuses a preset whose shapes the weights contradict, naming the tensor', async () => {
    await expect(convertCommand({ positional: [FIXTURE], out: join(root, 'bad'), preset: 'experimental' }, () => {})).rejects.toThrow(
      /fp\.pt: tensor 'fc1\.weight' takes 64 inputs, the latent \[1,8,8,8\] has 512/,
    );
    expect(existsSync(join(root, 'bad', 'model.json'))).toBe(false);
  });

  it('rejects bad flags and empty folders in one line', async () => {
    await expect(convertCommand({ positional: [FIXTURE], out: join(root, 'x'), preset: 'nope' }, () => {})).rejects.toThrow(/unknown preset 'nope'; known: experimental, ch-2phase, ch-3phase/);
    await expect(convertCommand({ positional: [FIXTURE], out: join(root, 'x'), ...custom, 'latent-shape': '1,4,4' }, () => {})).rejects.toThrow(/--latent-shape wants 4 positive integers/);
    await expect(convertCommand({ positional: [root], out: join(root, 'x') }, () => {})).rejects.toThrow(/no checkpoints found in/);
  });
});
