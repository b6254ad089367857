import attentionWgsl from '../../shaders/attention.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import type { Graph, Tensor } from '../runtime/index.js';

const kernel = declareKernel({
  name: 'attention',
  parts: [attentionWgsl],
  uniforms: { struct: 'P', fields: { heads_times_batch: 'u32', len: 'u32', query_blocks: 'u32', scale: 'f32' } },
  storage: { q: 'read', k: 'read', v: 'read', y: 'read_write' },
  overrides: { D: 'u32' },
});

const MAX_HEAD_DIM = wgslConstant(attentionWgsl, 'MAX_D');
const QUERIES_PER_WORKGROUP = wgslConstant(attentionWgsl, 'QUERIES_PER_WORKGROUP');

/** Multi-head scaled dot-product attention, scale 1/sqrt(d): q, k, v (B, heads, L, d) -> (B, heads, L, d). */
export function attention(g: Graph, q: Tensor, k: Tensor, v: Tensor, out?: Tensor): Tensor {
  const where = `attention: q [${q.shape}], k [${k.shape}], v [${v.shape}]`;
  if (q.shape.length !== 4 || String(k.shape) !== String(q.shape) || String(v.shape) !== String(q.shape)) {
    throw new Error(`${where}: q, k and v must share one (B, heads, L, d) shape`);
  }
  const [batch, heads, len, dim] = q.shape;
  if (dim > MAX_HEAD_DIM) throw new Error(`${where}: head dimension over ${MAX_HEAD_DIM}`);
  const y = out ?? g.tensor(q.shape);
  if (String(y.shape) !== String(q.shape)) throw new Error(`${where}: out [${y.shape}] must have q's shape`);
  if ([q, k, v].some((t) => t.sharesStorage(y))) throw new Error(`${where}: out must not share an input's buffer`);
  const queryBlocks = Math.ceil(len / QUERIES_PER_WORKGROUP);
  kernel.dispatch(g, {
    // q k^T and softmax(..) v are each L x L x d multiply-adds per head; the softmax is left out.
    work: {
      signature: `attention ${heads} heads L${len} d${dim} (B=${batch})`,
      bytes: q.byteLength + k.byteLength + v.byteLength + y.byteLength,
      flops: 2 * 2 * batch * heads * len * len * dim,
    },
    overrides: { D: dim },
    uniforms: { heads_times_batch: batch * heads, len, query_blocks: queryBlocks, scale: 1 / Math.sqrt(dim) },
    storage: { q, k, v, y },
    workgroups: [batch * heads * queryBlocks, 1, 1],
  });
  return y;
}
