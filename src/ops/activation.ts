import activationWgsl from '../../shaders/activation.wgsl';

/** Activation codes understood by shaders/activation.wgsl. */
export const Act = {
  none: 0,
  relu: 1,
  /** LeakyReLU with slope 0.2, the only one the model uses. */
  leakyRelu: 2,
  /** Exact erf form, as torch.nn.GELU(). */
  gelu: 3,
  tanh: 4,
  sigmoid: 5,
} as const;
export type Act = (typeof Act)[keyof typeof Act];

/** The activation's key in Act, e.g. 'gelu', for kernel signatures. */
export function activationName(act: Act): string {
  return Object.entries(Act).find(([, code]) => code === act)?.[0] ?? `activation ${act}`;
}

/** Prepends the shared activation code to a kernel that fuses one. */
export function withActivation(kernel: string): string {
  return `${activationWgsl}\n${kernel}`;
}
