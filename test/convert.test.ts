import { describe, expect, it } from 'vitest';
import { convertCheckpoints, type CheckpointSet } from '../src/convert.js';
import type { HostTensor } from '../src/io/host-tensor.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { randomCheckpoints, type RandomModelShape } from '../src/models/random-model.js';
import { WeightSet } from '../src/models/weights.js';

const shape: RandomModelShape = {
  latentShape: [4, 4, 4, 4],
  firstLayerDownsample: false,
  vaeMaxChannels: 8,
  nFeat: 8,
  timesteps: 10,
  attributes: ['a', 'b', 'c'],
  contextAttributes: ['b', 'c'],
};

/** A checkpoint set with one tensor replaced (or removed when `tensor` is undefined). */
function edited(part: keyof CheckpointSet, name: string, tensor: HostTensor | undefined): CheckpointSet {
  const { checkpoints } = randomCheckpoints(shape);
  const w = checkpoints[part]!;
  const map = new Map(w.names().map((n) => [n, w.get(n)]));
  if (tensor) map.set(name, tensor);
  else map.delete(name);
  return { ...checkpoints, [part]: new WeightSet(`${part}.pt`, map) };
}

describe('convert', () => {
  const { checkpoints, settings } = randomCheckpoints(shape);

  it('writes model.json and safetensors that read back tensor for tensor', () => {
    const { config, files } = convertCheckpoints(checkpoints, settings);
    expect(config).toMatchObject({ imageShape: [1, 64, 64, 64], latentShape: [4, 4, 4, 4], vaeMaxChannels: 8, nFeat: 8, timesteps: 10 });
    expect([...files.keys()].sort()).toEqual(['ddpm.safetensors', 'fp.safetensors', 'model.json', 'vae.safetensors']);
    const vae = readSafetensors(files.get('vae.safetensors')!, 'vae.safetensors').tensors;
    const w = checkpoints.vae!;
    expect([...vae.keys()]).toEqual(w.names());
    expect(vae.get('decoder.final_conv.weight')!.data).toEqual(w.get('decoder.final_conv.weight').data);
    expect(JSON.parse(new TextDecoder().decode(files.get('model.json')!)).contextAttributes).toEqual(['b', 'c']);
  });

  it('refuses settings that disagree with the weights, naming the tensor', () => {
    expect(() => convertCheckpoints(checkpoints, { ...settings, latentShape: [1, 4, 4, 4] })).toThrow(/--latent-shape has 1 channels but the weights have 4/);
    expect(() => convertCheckpoints(checkpoints, { ...settings, latentShape: [4, 4, 4, 8] })).toThrow(/downsampling factor of 16/);
    expect(() => convertCheckpoints(checkpoints, { ...settings, attributes: ['a', 'b'] })).toThrow(/random fp: tensor 'fc3.weight' predicts 3 attributes, but 2 names were given/);
    expect(() => convertCheckpoints(checkpoints, { ...settings, contextAttributes: ['a'] })).toThrow(/'nn_model.contextembed1.model.0.weight' takes 2 context values/);
    expect(() => convertCheckpoints({ fp: checkpoints.fp }, { ...settings, latentShape: [2, 4, 4, 4] })).toThrow(/'fc1.weight' takes 256 inputs, the latent \[2,4,4,4\] has 128/);
  });

  it('refuses a missing tensor and a tensor of the wrong shape, naming both', () => {
    expect(() => convertCheckpoints(edited('vae', 'decoder.convs.0.weight', undefined), settings)).toThrow(/vae\.pt: missing tensor 'decoder\.convs\.0\.weight'/);
    const wrong = { shape: [8, 2, 3, 3, 3], data: new Float32Array(8 * 2 * 27) };
    expect(() => convertCheckpoints(edited('ddpm', 'nn_model.init_conv.conv1.0.weight', wrong), settings)).toThrow(
      /ddpm\.pt: tensor 'nn_model\.init_conv\.conv1\.0\.weight' takes 2 latent channels, the VAE makes 4/,
    );
  });
});
