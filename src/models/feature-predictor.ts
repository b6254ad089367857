import { Act } from '../ops/activation.js';
import { linear, prepareLinear, type LinearWeights } from '../ops/linear.js';
import { groupNorm } from '../ops/norm.js';
import type { Allocator, Graph, Tensor } from '../runtime/index.js';
import type { WeightSet } from './weights.js';

/**
 * fc1 -> ReLU -> norm -> fc2 -> ReLU -> norm -> fc3 on the flattened latent.
 * The norm is InstanceNorm1d on a (B, h) tensor, which PyTorch treats as one
 * unbatched sample with B channels: each row is normalised over its features.
 */
export class FeaturePredictor {
  private constructor(
    private readonly fc1: LinearWeights,
    private readonly fc2: LinearWeights,
    private readonly fc3: LinearWeights,
  ) {}

  static load(owner: Allocator, w: WeightSet, inputSize: number, outputs: number): FeaturePredictor {
    const h1 = w.get('fc1.weight', [-1, inputSize]).shape[0];
    const h2 = w.get('fc2.weight', [-1, h1]).shape[0];
    const lin = (name: string, shape: number[]) => prepareLinear(owner, w.get(`${name}.weight`, shape), w.get(`${name}.bias`, [shape[0]]));
    return new FeaturePredictor(lin('fc1', [h1, inputSize]), lin('fc2', [h2, h1]), lin('fc3', [outputs, h2]));
  }

  get outputs(): number {
    return this.fc3.outChannels;
  }

  /** z: (B, ...latent) -> (B, attributes). */
  build(g: Graph, z: Tensor): Tensor {
    const b = z.shape[0];
    const rowNorm = (h: Tensor) => groupNorm(g, h.view([1, b, h.shape[1]]), b).view([b, h.shape[1]]);
    let h = linear(g, z.view([b, z.size / b]), this.fc1, Act.relu);
    h = rowNorm(h);
    h = rowNorm(linear(g, h, this.fc2, Act.relu));
    return linear(g, h, this.fc3);
  }
}
