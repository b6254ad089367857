import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { numel, type HostTensor } from '../../src/io/host-tensor.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';

const fixturesUrl = new URL('../../../shared/fixtures/', import.meta.url);
const fixturesPath = fileURLToPath(fixturesUrl);
const present = existsSync(fixturesPath);
if (!present) console.warn(`skipping the shared fixture tests: ${fixturesPath} does not exist`);

function read(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(relative, fixturesUrl)));
}

function shapes(tensors: Map<string, HostTensor>): Record<string, number[]> {
  return Object.fromEntries([...tensors].map(([name, t]) => [name, t.shape]));
}

describe.skipIf(!present)('shared fixtures', () => {
  const folders = present ? readdirSync(fixturesPath, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name) : [];

  it('every checkpoint loads with finite values of the declared shapes', () => {
    const checkpoints = folders.flatMap((folder) => readdirSync(new URL(`${folder}/`, fixturesUrl)).filter((f) => f.endsWith('.pt')).map((f) => `${folder}/${f}`));
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const path of checkpoints) {
      const tensors = readTorchCheckpoint(read(path), path);
      expect(tensors.size, path).toBeGreaterThan(0);
      for (const [name, t] of tensors) {
        expect(t.data.length, `${path} ${name}`).toBe(numel(t.shape));
        expect(t.data.every(Number.isFinite), `${path} ${name}`).toBe(true);
      }
    }
  });

  it('vae-exp/vae.pt holds the published VAE layout', () => {
    const tensors = shapes(readTorchCheckpoint(read('vae-exp/vae.pt'), 'vae.pt'));
    expect(Object.keys(tensors)).toHaveLength(114);
    expect(tensors['encoder.conv_layers.0.weight']).toEqual([64, 1, 3, 3, 3]);
    expect(tensors['encoder.conv_layers.2.block.3.weight']).toEqual([64, 64, 3, 3, 3]);
    expect(tensors['encoder.conv_mu.weight']).toEqual([1, 1, 1, 1, 1]);
    // ConvTranspose3d weights are (in, out, k, k, k).
    expect(tensors['decoder.convs.0.weight']).toEqual([1, 32, 1, 1, 1]);
    expect(tensors['decoder.convs.1.weight']).toEqual([32, 256, 3, 3, 3]);
    expect(tensors['decoder.final_conv.weight']).toEqual([64, 1, 3, 3, 3]);
  });

  it('fp.pt files hold three linear layers', () => {
    expect(shapes(readTorchCheckpoint(read('vae-exp/fp.pt'), 'fp.pt'))).toEqual({
      'fc1.weight': [32, 64], 'fc1.bias': [32], 'fc2.weight': [16, 32], 'fc2.bias': [16], 'fc3.weight': [3, 16], 'fc3.bias': [3],
    });
  });

  it('ddpm.pt holds the schedule buffers and the UNet', () => {
    const tensors = readTorchCheckpoint(read('unet-ch/ddpm.pt'), 'ddpm.pt');
    const names = [...tensors.keys()];
    const schedule = ['alpha_t', 'oneover_sqrta', 'sqrt_beta_t', 'alphabar_t', 'sqrtab', 'sqrtmab', 'mab_over_sqrtmab'];
    expect(names.slice(0, 7)).toEqual(schedule);
    for (const name of schedule) expect(tensors.get(name)!.shape).toEqual([1000]);
    expect(names.filter((name) => !name.startsWith('nn_model.'))).toEqual(schedule);
    expect(tensors.get('nn_model.init_conv.conv1.0.weight')!.shape).toEqual([16, 4, 3, 3, 3]);
    expect(tensors.get('nn_model.up1.model.0.weight')!.shape).toEqual([64, 16, 2, 2, 2]);
    expect(tensors.get('nn_model.contextembed1.model.0.weight')!.shape).toEqual([32, 4]);
    // beta_1 = 1e-4 in the linear schedule: sqrt_beta_t[0] = 0.01.
    expect(tensors.get('sqrt_beta_t')!.data[0]).toBeCloseTo(0.01, 7);
  });

  it('cases.safetensors files hold float32 cases named <case>.<tensor>', () => {
    for (const folder of folders) {
      const path = `${folder}/cases.safetensors`;
      const { tensors } = readSafetensors(read(path), path);
      expect(tensors.size, path).toBeGreaterThan(0);
      for (const name of tensors.keys()) expect(name, path).toMatch(/^(encoder|decoder|fp|unet|sample)\.\w+$/);
    }
    const { tensors } = readSafetensors(read('unet-exp/cases.safetensors'), 'cases.safetensors');
    expect(tensors.get('sample.noise')!.shape).toEqual([997, 2, 1, 8, 8, 8]);
    expect(tensors.get('unet.t')!.shape).toEqual([2]);
  });
});
