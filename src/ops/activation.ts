import activationWgsl from '../../shaders/activation.wgsl';
import { wgslConstant } from '../kernel/wgsl-source.js';

/** The WGSL part of kernels that fuse an activation; it brings the ACT override. */
export const ACTIVATION_PART = activationWgsl;
export const ACTIVATION_OVERRIDES = { ACT: 'u32' } as const;

/** Activation codes, read from shaders/activation.wgsl (its ACT_* constants). */
export const Act = {
  none: wgslConstant(activationWgsl, 'ACT_NONE'),
  relu: wgslConstant(activationWgsl, 'ACT_RELU'),
  /** LeakyReLU with slope 0.2, the only one the model uses. */
  leakyRelu: wgslConstant(activationWgsl, 'ACT_LEAKY_RELU'),
  /** Exact erf form, as torch.nn.GELU(). */
  gelu: wgslConstant(activationWgsl, 'ACT_GELU'),
  tanh: wgslConstant(activationWgsl, 'ACT_TANH'),
  sigmoid: wgslConstant(activationWgsl, 'ACT_SIGMOID'),
} as const;
export type Act = (typeof Act)[keyof typeof Act];

/** The activation's key in Act, e.g. 'gelu', for kernel signatures. */
export function activationName(act: Act): string {
  return Object.entries(Act).find(([, code]) => code === act)?.[0] ?? `activation ${act}`;
}
