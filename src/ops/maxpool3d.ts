import maxPoolWgsl from '../../shaders/maxpool3d.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import type { Graph, Tensor } from '../runtime/index.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

const kernel = declareKernel({
  name: 'maxPool3d',
  parts: [ELEMENTWISE_PART, maxPoolWgsl],
  uniforms: { struct: 'P', fields: { out_size: 'u32', od: 'u32', oh: 'u32', ow: 'u32', d: 'u32', h: 'u32', w: 'u32' } },
  storage: { x: 'read', y: 'read_write' },
});

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
  kernel.dispatch(g, {
    work: { signature: `maxPool3d [${x.shape}]`, bytes: x.byteLength + y.byteLength },
    uniforms: { out_size: y.size, od: pooled[0], oh: pooled[1], ow: pooled[2], d, h, w },
    storage: { x, y },
    workgroups: elementwiseGrid(y.size),
  });
  return y;
}
