import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '../../src/io/host-tensor.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { randomCheckpoints, TINY_MODEL } from '../../src/models/random-model.js';
import { writeTinyModel } from '../helpers/tiny-model.js';
import { writeTorchCheckpoint } from '../io/torch-writer.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mg3d-cli-'));
const model = join(root, 'model');
writeTinyModel(model);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** One `mg3d:` line on stderr, nothing on stdout, exit 2. */
async function expectUsageError(args: string[], message: RegExp): Promise<void> {
  const r = await runCli(args);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^mg3d: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
}

describe('mg3d command line', () => {
  const generate = (...args: string[]) => ['generate', '--model', model, '--out', join(root, 'never'), ...args];

  it('says typos, repeated flags and flags of other commands its own way', async () => {
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--smaples', '3'), /generate: unknown option --smaples; did you mean --samples\?/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--seed', '1', '--seed', '2'), /--seed is given twice \('1' and '2'\)/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--tolerance', '3'), /--tolerance is an option of check, not of generate/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', 'stray'), /generate: unexpected argument 'stray'/);
    await expectUsageError(['genrate'], /unknown command 'genrate' \(did you mean generate\?\)/);
    await expectUsageError(['help', 'frob'], /help: unknown command 'frob'; commands: generate, .*profile/);
  });

  it('refuses bad numbers before opening the GPU', async () => {
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--seed', '-5'), /--seed wants an integer >= 0 and <= 9007199254740991, got '-5'/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--seed', String(2 ** 53)), /--seed wants an integer/);
    await expectUsageError(generate('--context', '0.5,,0.4'), /--context: value 2 of '0.5,,0.4' is empty/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--threshold', '0.3,'), /--threshold: value 2 of '0.3,' is empty/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--threshold', '1.5'), /--threshold: values must lie strictly between 0 and 1/);
    await expectUsageError(generate('--context', '0.5,0.2,0.2', '--threshold', '0'), /--threshold: values must lie strictly between 0 and 1/);
    await expectUsageError(['bench', '--batches', '1,,2'], /--batches: value 2 of '1,,2' is empty/);
    await expectUsageError(['convert', '--out', join(root, 'c'), '--latent-shape', '4,2,,1'], /--latent-shape: value 3 of '4,2,,1' is empty/);
  });

  it('names an unknown backend, and lists the adapters when none matches --adapter', async () => {
    await expectUsageError(['profile', '--backend', 'foo'], /--backend: unknown backend 'foo'; one of vulkan, metal/);
    const r = await runCli(['profile', '--adapter', 'no-such-gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mg3d: no adapter has 'no-such-gpu' in its name \(--adapter \/ MG3D_ADAPTER\); adapters here: '[^']+' \(\w+\)/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('generates with diagnostics on stderr, results on stdout and no Dawn notice', async () => {
    const out = join(root, 'one');
    const r = await runCli(['generate', '--model', model, '--context', '0.5,0.2,0.2', '--batch', '4', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote 1 sample to ${out}\n`);
    expect(r.stderr).toMatch(/^warning: --batch 4 is larger than --samples 1; denoising 1 at a time\nadapter: .+; batch 1; sampler ddpm, \d+ steps; 1 sample to generate\n$/);
    expect(r.stderr).not.toMatch(/Warning|artificially/);
  });

  it('says a context beyond float32 is out of range', async () => {
    await expectUsageError(generate('--context', '1e308,0.2,0.2'), /context value 1e\+308 is out of range/);
  });

  it('converts with sizes in a unit that shows them', async () => {
    const out = join(root, 'small-fp');
    const r = await runCli(['convert', '--fp', 'test/fixtures/fp-ch.pt', '--latent-shape', '1,4,2,2', '--image-shape', '1,16,8,8', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(out, 'fp.safetensors')} (1.3 KiB)\nwrote ${join(out, 'model.json')} (`);
    expect(r.stdout).not.toContain('(0.0 MiB)');
  });

  it('refuses at convert time a latent shape the UNet cannot run, writing nothing', async () => {
    const { ddpm } = randomCheckpoints({ ...TINY_MODEL, latentShape: [4, 4, 4, 4], timesteps: 4 }).checkpoints;
    const ckpt = join(root, 'ddpm.pt');
    writeFileSync(ckpt, writeTorchCheckpoint(new Map(ddpm!.names().map((n) => [n, ddpm!.get(n)]))));
    const out = join(root, 'unrunnable');
    const convert = (shape: string) => ['convert', '--ddpm', ckpt, '--latent-shape', shape, '--out', out];
    await expectUsageError(convert('4,2,2,1'), /convert: the UNet needs a latent whose D, H and W are multiples of 4 \(it pools twice by 2\), got \[4,2,2,1\]/);
    expect(existsSync(join(out, 'model.json'))).toBe(false);
    await expectUsageError(convert('2,4,4,4'), /--latent-shape has 2 channels but the weights have 4/);
    const r = await runCli(convert('4,8,8,4'));
    expect(r.code).toBe(0);
  });

  it('refuses a hand-edited weight file in one line naming the file, the tensor and both shapes', async () => {
    const edited = (name: string, file: string, edit: (tensors: Map<string, HostTensor>) => void) => {
      const dir = join(root, name);
      cpSync(model, dir, { recursive: true });
      const tensors = new Map(readSafetensors(readFileSync(join(dir, file)), file).tensors);
      edit(tensors);
      writeFileSync(join(dir, file), writeSafetensors(tensors));
      return ['generate', '--model', dir, '--context', '0.5,0.2,0.2', '--out', join(root, 'never')];
    };
    const conv = 'nn_model.up1.model.1.conv2.0.weight';
    await expectUsageError(
      edited('wrong-shape', 'ddpm.safetensors', (t) => t.set(conv, { shape: [8, 8, 3, 3, 1], data: new Float32Array(8 * 8 * 9) })),
      /ddpm\.safetensors: tensor 'nn_model\.up1\.model\.1\.conv2\.0\.weight' has shape \[8,8,3,3,1\], expected \[8,8,3,3,3\]/,
    );
    await expectUsageError(
      edited('missing', 'vae.safetensors', (t) => t.delete('decoder.resblocks.2.block.4.bias')),
      /vae\.safetensors: missing tensor 'decoder\.resblocks\.2\.block\.4\.bias'/,
    );
    await expectUsageError(
      edited('fp-inputs', 'fp.safetensors', (t) => t.set('fc1.weight', { shape: [32, 63], data: new Float32Array(32 * 63) })),
      /fp\.safetensors: tensor 'fc1\.weight' has shape \[32,63\], expected \[32,64\]/,
    );
  });
});
