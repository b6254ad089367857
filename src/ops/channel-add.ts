import channelAddWgsl from '../../shaders/channel-add.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import type { Graph, Tensor } from '../runtime/index.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

const kernel = declareKernel({
  name: 'addChannelVectors',
  parts: [ELEMENTWISE_PART, channelAddWgsl],
  uniforms: { struct: 'P', fields: { size: 'u32', spatial: 'u32' } },
  storage: { x: 'read', v0: 'read', v1: 'read', y: 'read_write' },
  overrides: { SECOND: 'bool' },
});

/**
 * x (B, C, ...spatial) + v for each v (B, C), broadcast over space, summed
 * left to right like `x + v0 + v1` (the UNet's time and context embeddings).
 */
export function addChannelVectors(g: Graph, x: Tensor, vectors: Tensor[], out?: Tensor): Tensor {
  const where = `addChannelVectors: x [${x.shape}], vectors ${vectors.map((v) => `[${v.shape}]`).join(', ')}`;
  if (x.shape.length < 2) throw new Error(`${where}: x must be (B, C, ...spatial)`);
  if (vectors.length < 1 || vectors.length > 2) throw new Error(`${where}: takes 1 or 2 vectors`);
  const [batch, channels] = x.shape;
  if (vectors.some((v) => String(v.shape) !== String([batch, channels]))) {
    throw new Error(`${where}: every vector must be [${batch},${channels}]`);
  }
  const y = out ?? g.tensor(x.shape);
  if (String(y.shape) !== String(x.shape)) throw new Error(`${where}: out [${y.shape}] must have x's shape`);
  if ([x, ...vectors].some((t) => t.sharesStorage(y))) throw new Error(`${where}: out must not share an input's buffer`);
  kernel.dispatch(g, {
    work: {
      signature: `addChannelVectors [${x.shape}] + ${vectors.map((v) => `[${v.shape}]`).join(' + ')}`,
      bytes: x.byteLength + vectors.reduce((sum, v) => sum + v.byteLength, 0) + y.byteLength,
    },
    overrides: { SECOND: vectors.length === 2 },
    uniforms: { size: x.size, spatial: x.size / (batch * channels) },
    storage: { x, v0: vectors[0], v1: vectors[1] ?? vectors[0], y },
    workgroups: elementwiseGrid(x.size),
  });
  return y;
}
