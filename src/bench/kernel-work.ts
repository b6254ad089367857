import { Graph, Tensor, type Dispatch, type KernelSpec } from '../runtime/index.js';

/** What one recorded kernel computes: a readable signature and, where it can be read off, its FLOP. */
export interface KernelWork {
  /** The op's own label, e.g. 'conv3d'. */
  op: string;
  /** The op with its shapes, e.g. 'conv3d 512->512 k3 s1 -> 8x8x4 (B=1)'. */
  signature: string;
  /** Multiply-adds counted as 2 FLOP; undefined for memory-bound ops and where the bindings do not tell. */
  flops: number | undefined;
}

export interface RecordedKernel extends KernelWork {
  dispatch: Dispatch;
}

/** Output channels per group in the conv weight layout, [channel group][I][k][k][k][8 channels] (src/ops/conv3d.ts). */
const WEIGHT_CHANNEL_GROUP = 8;

/**
 * Reads shapes off the kernel's bound tensors, so the ops need carry no
 * profiling metadata. The conv cores bind [input, weight, bias, y] and
 * linear [x (B, in), weight, bias, y (B, out)]. A conv's kernel size follows
 * from the weight layout, its stride from the unpadded input `source` and y.
 */
export function describeKernel(spec: KernelSpec, source: Tensor | undefined): KernelWork {
  const op = spec.label;
  const [x, weight, , y] = spec.buffers;
  if ((op === 'conv3d' || op === 'convTranspose3d') && source && weight instanceof Tensor && y instanceof Tensor) {
    const [batch, outCh, ...outSpatial] = y.shape;
    const inCh = source.shape[1];
    const taps = weight.size / (Math.ceil(outCh / WEIGHT_CHANNEL_GROUP) * WEIGHT_CHANNEL_GROUP * inCh);
    const k = Math.round(Math.cbrt(taps));
    const transposed = op === 'convTranspose3d';
    const [inDepth, outDepth] = [source.shape[2], outSpatial[0]];
    const stride = Math.max(1, Math.round(transposed ? outDepth / inDepth : inDepth / outDepth));
    const known = k ** 3 === taps;
    return {
      op,
      signature: `${op} ${inCh}->${outCh} k${known ? k : '?'} s${stride} -> ${outSpatial.join('x')} (B=${batch})`,
      // A transposed conv gives each output voxel (k / s)^3 taps on average.
      flops: known ? (2 * inCh * taps * y.size) / (transposed ? stride ** 3 : 1) : undefined,
    };
  }
  if (op === 'linear' && x instanceof Tensor && y instanceof Tensor) {
    const [batch, inFeatures] = x.shape;
    const outFeatures = y.shape[1];
    return { op, signature: `linear ${inFeatures}->${outFeatures} (B=${batch})`, flops: 2 * batch * inFeatures * outFeatures };
  }
  const tensors = spec.buffers.filter((b): b is Tensor => b instanceof Tensor);
  const largest = tensors.reduce<Tensor | undefined>((a, t) => (!a || t.size > a.size ? t : a), undefined);
  return { op, signature: largest ? `${op} [${largest.shape}]` : op, flops: undefined };
}

/** A Graph that also keeps, for every dispatch, what it computes. */
export class RecordingGraph extends Graph {
  readonly kernels: RecordedKernel[] = [];
  /** Padded copies made by the convs' '<op> pad' kernels, mapped to the tensor they pad. */
  private readonly padded = new Map<GPUBuffer, Tensor>();

  override add(spec: KernelSpec): void {
    super.add(spec);
    const [first] = spec.buffers;
    const last = spec.buffers[spec.buffers.length - 1];
    if (spec.label.endsWith(' pad') && first instanceof Tensor && last instanceof Tensor) this.padded.set(last.buffer, first);
    const source = first instanceof Tensor ? (this.padded.get(first.buffer) ?? first) : undefined;
    this.kernels.push({ ...describeKernel(spec, source), dispatch: this.dispatches[this.dispatches.length - 1] });
  }
}
