import linearWgsl from '../../shaders/linear.wgsl';
import type { HostTensor } from '../io/host-tensor.js';
import { declareKernel } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import type { Allocator, Graph, Tensor } from '../runtime/index.js';
import { Act, ACTIVATION_OVERRIDES, ACTIVATION_PART, activationName } from './activation.js';

const kernel = declareKernel({
  name: 'linear',
  parts: [ACTIVATION_PART, linearWgsl],
  uniforms: { struct: 'P', fields: { batch: 'u32', in_features: 'u32', out_features: 'u32', quads: 'u32' } },
  storage: { x: 'read', wt: 'read', bias: 'read', y: 'read_write' },
  overrides: { ...ACTIVATION_OVERRIDES, HAS_BIAS: 'bool' },
});
// A workgroup's share of the output: QUADS column quads of 4 outputs, ROWS batch rows.
const OUTPUTS_PER_WORKGROUP = 4 * wgslConstant(linearWgsl, 'QUADS');
const ROWS_PER_WORKGROUP = wgslConstant(linearWgsl, 'ROWS');

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
  const fused = act === Act.none ? '' : ` ${activationName(act)}`;
  kernel.dispatch(g, {
    work: {
      signature: `linear ${w.inFeatures}->${w.outFeatures}${fused} (B=${batch})`,
      bytes: x.byteLength + w.weight.byteLength + (w.bias?.byteLength ?? 0) + y.byteLength,
      flops: 2 * batch * w.inFeatures * w.outFeatures,
    },
    overrides: { ACT: act, HAS_BIAS: w.bias !== undefined },
    uniforms: { batch, in_features: w.inFeatures, out_features: w.outFeatures, quads: w.weight.shape[1] / 4 },
    storage: { x, wt: w.weight, bias: w.bias ?? w.weight, y },
    workgroups: [Math.ceil(w.outFeatures / OUTPUTS_PER_WORKGROUP), Math.ceil(batch / ROWS_PER_WORKGROUP), 1],
  });
  return y;
}
