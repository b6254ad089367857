import concatWgsl from '../../shaders/concat.wgsl';
import { grid, Params, type Graph, type Tensor } from '../runtime/index.js';

/** torch.cat(inputs, dim=1) for inputs (B, C_i, ...spatial) sharing B and spatial size. */
export function concatChannels(g: Graph, inputs: Tensor[], out?: Tensor): Tensor {
  const shapes = inputs.map((t) => `[${t.shape}]`).join(', ');
  if (inputs.length === 0) throw new Error('concatChannels: no inputs');
  const [first] = inputs;
  if (first.shape.length < 2) throw new Error(`concatChannels: inputs ${shapes} must be (B, C, ...spatial)`);
  const batchAndSpatial = (s: readonly number[]) => String([s[0], ...s.slice(2)]);
  if (inputs.some((t) => batchAndSpatial(t.shape) !== batchAndSpatial(first.shape))) {
    throw new Error(`concatChannels: inputs ${shapes} differ in batch or spatial size`);
  }
  const channels = inputs.reduce((sum, t) => sum + t.shape[1], 0);
  const shape = [first.shape[0], channels, ...first.shape.slice(2)];
  const y = out ?? g.tensor(shape);
  if (String(y.shape) !== String(shape)) throw new Error(`concatChannels: out [${y.shape}] must be [${shape}] for ${shapes}`);
  if (inputs.some((t) => t.sharesStorage(y))) throw new Error(`concatChannels: out must not share an input's buffer`);

  const batch = first.shape[0];
  const outLen = y.size / batch;
  let offsetLen = 0;
  for (const x of inputs) {
    const inLen = x.size / batch;
    g.add({
      label: 'concatChannels',
      // x read once and written once into its slice of y.
      work: { signature: `concatChannels [${x.shape}] into [${y.shape}]`, bytes: 2 * x.byteLength },
      shader: concatWgsl,
      params: new Params().u32(x.size, inLen, outLen, offsetLen).bytes(),
      buffers: [x, y],
      workgroups: grid(x.size, 256),
    });
    offsetLen += inLen;
  }
  return y;
}
