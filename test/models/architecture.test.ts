import { describe, expect, it } from 'vitest';
import {
  bufferValues,
  checkArchitecture,
  inferUnetShape,
  layerWeights,
  unetArchitecture,
  unetLayers,
  vaeArchitecture,
  vaeDownsampleFactor,
  vaeLayers,
} from '../../src/models/architecture.js';
import { randomCheckpoints, TINY_MODEL } from '../../src/models/random-model.js';
import { WeightSet } from '../../src/models/weights.js';

describe('architecture spec', () => {
  const { checkpoints } = randomCheckpoints(TINY_MODEL);
  const vaeShape = { latentChannels: 1, maxChannels: TINY_MODEL.vaeMaxChannels, firstLayerDownsample: true };

  it('the VAE reduces by 8 with a stride-1 first layer, else by 16', () => {
    expect([vaeDownsampleFactor(true), vaeDownsampleFactor(false)]).toEqual([8, 16]);
  });

  it('random weights are built from it and pass its check; the UNet widths read back', () => {
    expect(() => checkArchitecture(checkpoints.vae!, vaeLayers(vaeShape))).not.toThrow();
    const { shape, timesteps } = inferUnetShape(checkpoints.ddpm!);
    expect(shape).toEqual({ latentChannels: 1, nFeat: TINY_MODEL.nFeat, contextSize: 3 });
    expect(timesteps).toBe(TINY_MODEL.timesteps);
    expect(() => checkArchitecture(checkpoints.ddpm!, unetLayers(shape, timesteps))).not.toThrow();
  });

  it('refuses a missing tensor, a wrong shape and an extra tensor, naming the file and tensor', () => {
    const vae = checkpoints.vae!;
    const tensors = new Map(vae.names().map((n) => [n, vae.get(n)]));
    const without = new Map(tensors);
    without.delete('decoder.final_conv.bias');
    expect(() => checkArchitecture(new WeightSet('vae.pt', without), vaeLayers(vaeShape))).toThrow(/vae\.pt: missing tensor 'decoder\.final_conv\.bias'/);
    const wrong = new Map(tensors).set('encoder.conv_mu.bias', { shape: [2], data: new Float32Array(2) });
    expect(() => checkArchitecture(new WeightSet('vae.pt', wrong), vaeLayers(vaeShape))).toThrow(/tensor 'encoder\.conv_mu\.bias' has shape \[2\], expected \[1\]/);
    const extra = new Map(tensors).set('decoder.extra.weight', { shape: [1], data: new Float32Array(1) });
    expect(() => checkArchitecture(new WeightSet('vae.pt', extra), vaeLayers(vaeShape))).toThrow(/unexpected tensors for this architecture: 'decoder\.extra\.weight'/);
  });

  it('gives the loaders a layer\'s tensors by its spec, checked against the spec\'s shapes', () => {
    const vae = checkpoints.vae!;
    const spec = vaeArchitecture(vaeShape);
    const { weight, bias } = layerWeights(vae, spec.decoder.finalConv);
    expect([weight.shape, bias.shape]).toEqual([[64, 1, 3, 3, 3], [1]]);
    const wrong = new Map(vae.names().map((n) => [n, vae.get(n)])).set('decoder.final_conv.weight', { shape: [64, 1, 3, 3], data: new Float32Array(576) });
    expect(() => layerWeights(new WeightSet('vae.pt', wrong), spec.decoder.finalConv)).toThrow(
      /vae\.pt: tensor 'decoder\.final_conv\.weight' has shape \[64,1,3,3\], expected \[64,1,3,3,3\]/,
    );
    const { shape, timesteps } = inferUnetShape(checkpoints.ddpm!);
    expect(bufferValues(checkpoints.ddpm!, unetArchitecture(shape, timesteps).schedule.alphabar_t)).toHaveLength(timesteps);
  });
});
