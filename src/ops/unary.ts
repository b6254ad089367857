import unaryWgsl from '../../shaders/unary.wgsl';
import { grid, Params, type Graph, type Tensor } from '../runtime/index.js';
import { activationName, type Act, withActivation } from './activation.js';

const shader = withActivation(unaryWgsl);

/** y = act(x), elementwise. */
export function unary(g: Graph, x: Tensor, act: Act, out: Tensor = g.tensor(x.shape)): Tensor {
  g.add({
    label: 'unary',
    work: { signature: `unary ${activationName(act)} [${x.shape}]`, bytes: x.byteLength + out.byteLength },
    shader,
    constants: { ACT: act },
    params: new Params().u32(x.size).bytes(),
    buffers: [x, out],
    workgroups: grid(x.size, 256),
  });
  return out;
}
