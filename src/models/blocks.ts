import { Act } from '../ops/activation.js';
import { conv3d, conv3dPath, prepareConv3d, type Conv3dPath, type Conv3dWeights } from '../ops/conv3d.js';
import { prepareConvTranspose3d, type ConvTranspose3dOptions, type ConvTranspose3dWeights } from '../ops/conv-transpose3d.js';
import { prepareLinear, type LinearWeights } from '../ops/linear.js';
import { instanceNorm, type Affine } from '../ops/norm.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import {
  layerWeights,
  type ConvLayer,
  type ConvTransposeLayer,
  type LinearLayer,
  type NormLayer,
  type ResBlockLayers,
  type ResidualConvBlockLayers,
} from './architecture.js';
import type { WeightSet } from './weights.js';

const SAME3 = { stride: 1, padding: 1 };

export function loadConv3d(owner: Allocator, w: WeightSet, layer: ConvLayer, dtype: DType = 'f32', path: Conv3dPath = 'direct'): Conv3dWeights {
  const { weight, bias } = layerWeights(w, layer);
  return prepareConv3d(owner, weight, bias, dtype, path);
}

/** A 3x3x3 stride-1 pad-1 conv whose output is `spatial` (D, H, W), on the kernel chosen for that size. */
export function loadSame3(owner: Allocator, w: WeightSet, layer: ConvLayer, spatial: readonly number[], dtype: DType = 'f32'): Conv3dWeights {
  return loadConv3d(owner, w, layer, dtype, conv3dPath(layer.kernel, SAME3, spatial, layer.in, layer.out, dtype));
}

/** `up`: the stride and padding the layer runs with, which pick its kernel's layout. */
export function loadConvTranspose3d(
  owner: Allocator,
  w: WeightSet,
  layer: ConvTransposeLayer,
  up: ConvTranspose3dOptions,
  dtype: DType = 'f32',
): ConvTranspose3dWeights {
  const { weight, bias } = layerWeights(w, layer);
  return prepareConvTranspose3d(owner, weight, up, bias, dtype);
}

export function loadLinear(owner: Allocator, w: WeightSet, layer: LinearLayer): LinearWeights {
  const { weight, bias } = layerWeights(w, layer);
  return prepareLinear(owner, weight, bias);
}

export function loadAffine(owner: Allocator, w: WeightSet, layer: NormLayer): Affine {
  const { weight, bias } = layerWeights(w, layer);
  return { weight: owner.upload(weight.data, weight.shape), bias: owner.upload(bias.data, bias.shape) };
}

/** VAE ResBlock(C): ReLU(x + IN(conv(ReLU(IN(conv(x)))))) with affine norms. */
export interface ResBlock {
  conv0: Conv3dWeights;
  norm1: Affine;
  conv3: Conv3dWeights;
  norm4: Affine;
}

/**
 * The VAE's convs stay on the direct kernel: it runs once per sample where the
 * UNet runs 998 times (20-50 with the fast samplers), and Winograd's weights,
 * 64/27 the size of the direct ones, are memory best spent where the time is.
 */
export function loadResBlock(owner: Allocator, w: WeightSet, spec: ResBlockLayers): ResBlock {
  return {
    conv0: loadConv3d(owner, w, spec.conv0),
    norm1: loadAffine(owner, w, spec.norm1),
    conv3: loadConv3d(owner, w, spec.conv3),
    norm4: loadAffine(owner, w, spec.norm4),
  };
}

export function resBlock(g: Graph, x: Tensor, p: ResBlock): Tensor {
  let h = conv3d(g, x, p.conv0, SAME3);
  h = instanceNorm(g, h, { affine: p.norm1, act: Act.relu });
  h = conv3d(g, h, p.conv3, SAME3);
  return instanceNorm(g, h, { affine: p.norm4, act: Act.relu, residual: { tensor: x, scale: 1, order: 'add-then-act' } });
}

/**
 * UNet ResidualConvBlock (is_res): x1 = GELU(IN(conv(x))), x2 = GELU(IN(conv(x1)));
 * (x + x2) / 1.414 when in == out, else (x1 + x2) / 1.414. Norms are not affine.
 */
export interface ResidualConvBlock {
  conv1: Conv3dWeights;
  conv2: Conv3dWeights;
  sameChannels: boolean;
}

/** `spatial`: the block's volume (D, H, W), which picks its convs' kernel. */
export function loadResidualConvBlock(
  owner: Allocator,
  w: WeightSet,
  spec: ResidualConvBlockLayers,
  spatial: readonly number[],
  dtype: DType,
): ResidualConvBlock {
  return {
    conv1: loadSame3(owner, w, spec.conv1, spatial, dtype),
    conv2: loadSame3(owner, w, spec.conv2, spatial, dtype),
    sameChannels: spec.conv1.in === spec.conv2.out,
  };
}

/** The reference divides by 1.414 (not sqrt 2). */
const RESIDUAL_SCALE = 1 / 1.414;

export function residualConvBlock(g: Graph, x: Tensor, p: ResidualConvBlock): Tensor {
  const x1 = instanceNorm(g, conv3d(g, x, p.conv1, SAME3), { act: Act.gelu });
  const residual = { tensor: p.sameChannels ? x : x1, scale: RESIDUAL_SCALE, order: 'act-then-add' } as const;
  return instanceNorm(g, conv3d(g, x1, p.conv2, SAME3), { act: Act.gelu, residual });
}
