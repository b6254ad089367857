import unaryWgsl from '../../shaders/unary.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import type { Graph, Tensor } from '../runtime/index.js';
import { ACTIVATION_OVERRIDES, ACTIVATION_PART, activationName, type Act } from './activation.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

const kernel = declareKernel({
  name: 'unary',
  parts: [ELEMENTWISE_PART, ACTIVATION_PART, unaryWgsl],
  uniforms: { struct: 'P', fields: { n: 'u32' } },
  storage: { x: 'read', y: 'read_write' },
  overrides: ACTIVATION_OVERRIDES,
});

/** y = act(x), elementwise. */
export function unary(g: Graph, x: Tensor, act: Act, out: Tensor = g.tensor(x.shape)): Tensor {
  kernel.dispatch(g, {
    work: { signature: `unary ${activationName(act)} [${x.shape}]`, bytes: x.byteLength + out.byteLength },
    overrides: { ACT: act },
    uniforms: { n: x.size },
    storage: { x, y: out },
    workgroups: elementwiseGrid(x.size),
  });
  return out;
}
