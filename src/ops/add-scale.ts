import addScaleWgsl from '../../shaders/add-scale.wgsl';
import { grid, Params, type Graph, type Tensor } from '../runtime/index.js';
import { Act, withActivation } from './activation.js';

const shader = withActivation(addScaleWgsl);

/** out = act((a + b) * scale) elementwise: the UNet's (x + x2) / 1.414, the VAE's ReLU(x + y). */
export function addScale(g: Graph, a: Tensor, b: Tensor, scale: number, act: Act = Act.none, out?: Tensor): Tensor {
  const where = `addScale: a [${a.shape}], b [${b.shape}]`;
  if (String(a.shape) !== String(b.shape)) throw new Error(`${where}: shapes differ`);
  const y = out ?? g.tensor(a.shape);
  if (String(y.shape) !== String(a.shape)) throw new Error(`${where}: out [${y.shape}] must have their shape`);
  if (y.buffer === a.buffer || y.buffer === b.buffer) throw new Error(`${where}: out must not share an input's buffer`);
  g.add({
    label: 'addScale',
    shader,
    constants: { ACT: act },
    params: new Params().u32(a.size).f32(scale).bytes(),
    buffers: [a, b, y],
    workgroups: grid(a.size, 256),
  });
  return y;
}
