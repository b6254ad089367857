import attentionWgsl from '../../shaders/attention.wgsl';
import { Params, type Graph, type Tensor } from '../runtime/index.js';

const MAX_HEAD_DIM = 64;
const QUERIES_PER_WORKGROUP = 64;

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
  const workgroups = batch * heads * queryBlocks;
  if (workgroups > 65535) throw new Error(`${where}: over 65535 workgroups of ${QUERIES_PER_WORKGROUP} queries`);
  g.add({
    label: 'attention',
    // q k^T and softmax(..) v are each L x L x d multiply-adds per head; the softmax is left out.
    work: {
      signature: `attention ${heads} heads L${len} d${dim} (B=${batch})`,
      bytes: q.byteLength + k.byteLength + v.byteLength + y.byteLength,
      flops: 2 * 2 * batch * heads * len * len * dim,
    },
    shader: attentionWgsl,
    constants: { D: dim },
    params: new Params().u32(batch * heads, len, queryBlocks).f32(1 / Math.sqrt(dim)).bytes(),
    buffers: [q, k, v, y],
    workgroups: [workgroups, 1, 1],
  });
  return y;
}
