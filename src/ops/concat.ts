import concatWgsl from '../../shaders/concat.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import type { Graph, Tensor } from '../runtime/index.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

const kernel = declareKernel({
  name: 'concatChannels',
  parts: [ELEMENTWISE_PART, concatWgsl],
  uniforms: { struct: 'P', fields: { size: 'u32', in_len: 'u32', out_len: 'u32', offset_len: 'u32' } },
  storage: { x: 'read', y: 'read_write' },
});

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
    kernel.dispatch(g, {
      // x read once and written once into its slice of y.
      work: { signature: `concatChannels [${x.shape}] into [${y.shape}]`, bytes: 2 * x.byteLength },
      uniforms: { size: x.size, in_len: inLen, out_len: outLen, offset_len: offsetLen },
      storage: { x, y },
      workgroups: elementwiseGrid(x.size),
    });
    offsetLen += inLen;
  }
  return y;
}
