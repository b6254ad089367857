import linearWgsl from '../../shaders/linear.wgsl';
import type { HostTensor } from '../io/host-tensor.js';
import { Params, type Allocator, type Graph, type Tensor } from '../runtime/index.js';
import { Act, activationName, withActivation } from './activation.js';

const shader = withActivation(linearWgsl);
const OUTPUTS_PER_WORKGROUP = 64;
const ROWS_PER_WORKGROUP = 4;

/**
 * A torch.nn.Linear on the GPU. `weight` is W transposed to (in, out4) with
 * out4 = out rounded up to a multiple of 4 (zero columns), so that a row of
 * threads reads consecutive outputs' weights; `bias` is (out) as given.
 */
export interface LinearWeights {
  weight: Tensor;
  bias: Tensor | undefined;
  inFeatures: number;
  outFeatures: number;
}

/** Uploads nn.Linear parameters: weight (out, in), bias (out). */
export function prepareLinear(owner: Allocator, weight: HostTensor, bias?: HostTensor): LinearWeights {
  if (weight.shape.length !== 2) throw new Error(`prepareLinear: weight [${weight.shape}] must be (out, in)`);
  const [outFeatures, inFeatures] = weight.shape;
  if (bias && String(bias.shape) !== String([outFeatures])) {
    throw new Error(`prepareLinear: bias [${bias.shape}] must be [${outFeatures}] for weight [${weight.shape}]`);
  }
  const out4 = Math.ceil(outFeatures / 4) * 4;
  const transposed = new Float32Array(inFeatures * out4);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) transposed[i * out4 + o] = weight.data[o * inFeatures + i];
  }
  return {
    weight: owner.upload(transposed, [inFeatures, out4]),
    bias: bias && owner.upload(bias.data, [outFeatures]),
    inFeatures,
    outFeatures,
  };
}

/** y = act(x W^T + b) for x (B, in), like torch.nn.Linear followed by the activation. */
export function linear(g: Graph, x: Tensor, w: LinearWeights, act: Act = Act.none, out?: Tensor): Tensor {
  const where = `linear: x [${x.shape}], weight (${w.outFeatures}, ${w.inFeatures})`;
  if (x.shape.length !== 2 || x.shape[1] !== w.inFeatures) throw new Error(`${where}: x must be (B, ${w.inFeatures})`);
  const batch = x.shape[0];
  const y = out ?? g.tensor([batch, w.outFeatures]);
  if (String(y.shape) !== String([batch, w.outFeatures])) {
    throw new Error(`${where}: out [${y.shape}] must be [${batch},${w.outFeatures}]`);
  }
  if (y.sharesStorage(x)) throw new Error(`${where}: out must not share x's buffer`);
  const rowBlocks = Math.ceil(batch / ROWS_PER_WORKGROUP);
  if (rowBlocks > 65535) throw new Error(`${where}: batch over ${65535 * ROWS_PER_WORKGROUP}`);
  const fused = act === Act.none ? '' : ` ${activationName(act)}`;
  g.add({
    label: 'linear',
    work: {
      signature: `linear ${w.inFeatures}->${w.outFeatures}${fused} (B=${batch})`,
      bytes: x.byteLength + w.weight.byteLength + (w.bias?.byteLength ?? 0) + y.byteLength,
      flops: 2 * batch * w.inFeatures * w.outFeatures,
    },
    shader,
    constants: { ACT: act, HAS_BIAS: w.bias ? 1 : 0 },
    params: new Params().u32(batch, w.inFeatures, w.outFeatures, w.weight.shape[1] / 4).bytes(),
    buffers: [x, w.weight, w.bias ?? w.weight, y],
    workgroups: [Math.ceil(w.outFeatures / OUTPUTS_PER_WORKGROUP), rowBlocks, 1],
  });
  return y;
}
