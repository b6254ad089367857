import { Act } from '../ops/activation.js';
import { linear, type LinearWeights } from '../ops/linear.js';
import { groupNorm } from '../ops/norm.js';
import type { Allocator, Graph, Tensor } from '../runtime/index.js';
import type { FeaturePredictorArchitecture } from './architecture.js';
import { loadLinear } from './blocks.js';
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

  static load(owner: Allocator, w: WeightSet, spec: FeaturePredictorArchitecture): FeaturePredictor {
    return new FeaturePredictor(loadLinear(owner, w, spec.fc1), loadLinear(owner, w, spec.fc2), loadLinear(owner, w, spec.fc3));
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
