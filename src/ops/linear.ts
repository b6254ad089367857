import type { HostTensor } from '../io/host-tensor.js';
import type { Allocator, Graph, Tensor } from '../runtime/index.js';
import { Act } from './activation.js';
import { gemmLayer, prepareGemmLayer, type GemmLayerWeights } from './gemm-layer.js';

/** A torch.nn.Linear on the GEMM core: W^T (in, out) in the GEMM's layout (src/ops/gemm-layer.ts). */
export type LinearWeights = GemmLayerWeights;

/** Uploads nn.Linear parameters: weight (out, in), bias (out), in f32 (the embeddings stay f32 in the f16 mode). */
export function prepareLinear(owner: Allocator, weight: HostTensor, bias?: HostTensor): LinearWeights {
  if (weight.shape.length !== 2) throw new Error(`prepareLinear: weight [${weight.shape}] must be (out, in)`);
  const [outChannels, inChannels] = weight.shape;
  if (bias && String(bias.shape) !== String([outChannels])) {
    throw new Error(`prepareLinear: bias [${bias.shape}] must be [${outChannels}] for weight [${weight.shape}]`);
  }
  return prepareGemmLayer(
    owner,
    'prepareLinear',
    { inChannels, outChannels, kernel: 1 },
    (i, o) => weight.data[o * inChannels + i],
    bias && owner.upload(bias.data, [outChannels]),
    'f32',
  );
}

/** y = act(x W^T + b) for x (B, in), like torch.nn.Linear followed by the activation. */
export function linear(g: Graph, x: Tensor, w: LinearWeights, act: Act = Act.none, out?: Tensor): Tensor {
  const where = `linear: x [${x.shape}], weight (${w.outChannels}, ${w.inChannels})`;
  if (x.shape.length !== 2 || x.shape[1] !== w.inChannels) throw new Error(`${where}: x must be (B, ${w.inChannels})`);
  const batch = x.shape[0];
  const y = out ?? g.tensor([batch, w.outChannels]);
  if (String(y.shape) !== String([batch, w.outChannels])) {
    throw new Error(`${where}: out [${y.shape}] must be [${batch},${w.outChannels}]`);
  }
  if (y.sharesStorage(x)) throw new Error(`${where}: out must not share x's buffer`);
  gemmLayer(g, `linear ${w.inChannels}->${w.outChannels}`, x, w, act, y);
  return y;
}
