import maxPoolWgsl from '../../shaders/maxpool3d.wgsl';
import { grid, Params, type Graph, type Tensor } from '../runtime/index.js';

/** torch.nn.MaxPool3d(2) on x (B, C, D, H, W): kernel 2, stride 2, odd trailing planes dropped. */
export function maxPool3d(g: Graph, x: Tensor, out?: Tensor): Tensor {
  if (x.shape.length !== 5) throw new Error(`maxPool3d: x [${x.shape}] must be (B, C, D, H, W)`);
  const [batch, channels, d, h, w] = x.shape;
  const pooled = [d, h, w].map((n) => Math.floor(n / 2));
  if (pooled.some((n) => n === 0)) throw new Error(`maxPool3d: x [${x.shape}] is smaller than the 2x2x2 window`);
  const shape = [batch, channels, ...pooled];
  const y = out ?? g.tensor(shape);
  if (String(y.shape) !== String(shape)) throw new Error(`maxPool3d: out [${y.shape}] must be [${shape}] for x [${x.shape}]`);
  if (y.sharesStorage(x)) throw new Error(`maxPool3d: out must not share x's buffer`);
  g.add({
    label: 'maxPool3d',
    work: { signature: `maxPool3d [${x.shape}]`, bytes: x.byteLength + y.byteLength },
    shader: maxPoolWgsl,
    params: new Params().u32(y.size, ...pooled, d, h, w).bytes(),
    buffers: [x, y],
    workgroups: grid(y.size, 256),
  });
  return y;
}
