// Layers that are one GEMM on the shared core (src/ops/gemm.ts): linear
// layers, and the (transposed) convolutions whose kernel equals their stride
// with no padding (pointwise Conv3d, ConvTranspose3d k1 and k2 s2), where
// every input voxel alone makes a kernel-sized block of output voxels:
//   C (B * voxels x C_in) = A (the input, channel-last) x W (C_in x C_out * taps).
// Activations are channel-first, so a pack pass makes A
// (shaders/gemm-layer-pack.wgsl) and a store pass scatters C into the output
// with the bias and the activation (shaders/gemm-layer-store.wgsl).
import packWgsl from '../../shaders/gemm-layer-pack.wgsl';
import storeWgsl from '../../shaders/gemm-layer-store.wgsl';
import { declareKernel } from '../kernel/kernel.js';
import { Tensor, UNUSED_BINDING, type Allocator, type DType, type Graph } from '../runtime/index.js';
import { Act, ACTIVATION_OVERRIDES, ACTIVATION_PART, activationName } from './activation.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';
import { batchedGemm, GEMM_COLUMN_BLOCK, GEMM_K_BLOCK } from './gemm.js';

const kernels = {
  pack: declareKernel({
    name: 'gemm layer pack',
    parts: [ELEMENTWISE_PART, packWgsl],
    uniforms: { struct: 'Params', fields: { total: 'u32', channels: 'u32', kQuads: 'u32', voxels: 'u32', firstRow: 'u32' } },
    storage: { x: 'read', a: 'read_write' },
  }),
  store: declareKernel({
    name: 'gemm layer store',
    parts: [ELEMENTWISE_PART, ACTIVATION_PART, storeWgsl],
    uniforms: {
      struct: 'Params',
      fields: {
        total: 'u32', channels: 'u32', taps: 'u32', kernel: 'u32', cols: 'u32',
        voxels: 'u32', inH: 'u32', inW: 'u32', firstRow: 'u32', hasBias: 'u32',
      },
    },
    storage: { c: 'read', bias: 'read', y: 'read_write' },
    overrides: ACTIVATION_OVERRIDES,
  }),
};

/** A GEMM layer's weights: W [depth][cols] in the storage type, zero past the real rows and columns. */
export interface GemmLayerWeights {
  weight: Tensor;
  bias: Tensor | undefined;
  inChannels: number;
  outChannels: number;
  /** Kernel size = stride per axis (1 for a linear or pointwise layer). */
  kernel: number;
}

/**
 * Uploads W[i][o * taps + t] = at(i, o, t) for taps = kernel^3, padded to the
 * GEMM's blocks, in `dtype` (f16 stores W as f16; sums stay f32).
 */
export function prepareGemmLayer(
  owner: Allocator,
  op: string,
  shape: { inChannels: number; outChannels: number; kernel: number },
  at: (i: number, o: number, t: number) => number,
  bias: Tensor | undefined,
  dtype: DType,
): GemmLayerWeights {
  const { inChannels, outChannels, kernel } = shape;
  const taps = kernel ** 3;
  const depth = Math.ceil(inChannels / GEMM_K_BLOCK) * GEMM_K_BLOCK;
  const cols = Math.ceil((outChannels * taps) / GEMM_COLUMN_BLOCK) * GEMM_COLUMN_BLOCK;
  if (Tensor.bytesFor(depth * cols, dtype) > owner.runtime.limits.maxStorageBufferBindingSize) {
    throw new Error(`${op}: weights of ${inChannels} x ${outChannels * taps} exceed the largest binding`);
  }
  const data = new Float32Array(depth * cols);
  for (let i = 0; i < inChannels; i++) {
    for (let o = 0; o < outChannels; o++) {
      for (let t = 0; t < taps; t++) data[i * cols + o * taps + t] = at(i, o, t);
    }
  }
  return { weight: owner.upload(data, [depth, cols], dtype), bias, inChannels, outChannels, kernel };
}

/**
 * y = act(layer(x) + bias) for x [B][C_in][spatial...] (spatial [] for a
 * linear layer); y [B][C_out][kernel * spatial...]. `signature` names the
 * layer in the profile.
 */
export function gemmLayer(g: Graph, signature: string, x: Tensor, w: GemmLayerWeights, act: Act, y: Tensor): void {
  const [B, , ...spatial] = x.shape;
  const [D, H, W] = [1, 1, 1, ...spatial].slice(-3);
  const voxels = D * H * W;
  const taps = w.kernel ** 3;
  const [depth, cols] = w.weight.shape;
  const total = B * voxels;
  // Large layers run in chunks of rows whose A and C fit one binding.
  const chunk = Math.min(total, Math.floor(g.rt.limits.maxStorageBufferBindingSize / Tensor.bytesFor(Math.max(depth, cols), 'f32')));
  if (chunk < 1) throw new Error(`${signature}: one row of ${Math.max(depth, cols)} values exceeds the largest binding`);
  const a = g.tensor([chunk, depth]);
  const c = g.tensor([chunk, cols]);
  const fused = act === Act.none ? '' : ` ${activationName(act)}`;
  const layer = `${signature}${fused} (B=${B})`;
  for (let first = 0; first < total; first += chunk) {
    const rows = Math.min(chunk, total - first);
    kernels.pack.dispatch(g, {
      work: { signature: layer, bytes: Tensor.bytesFor(rows * w.inChannels, 'f32') + Tensor.bytesFor(rows * depth, 'f32') },
      uniforms: { total: (rows * depth) / 4, channels: w.inChannels, kQuads: depth / 4, voxels, firstRow: first },
      storage: { x, a },
      workgroups: elementwiseGrid((rows * depth) / 4),
    });
    batchedGemm(
      g,
      'gemm layer',
      {
        signature: layer,
        bytes: Tensor.bytesFor(rows * (depth + cols), 'f32') + w.weight.byteLength,
        flops: 2 * rows * w.inChannels * w.outChannels * taps,
      },
      a,
      w.weight,
      c,
      { rows, depth, cols },
      0,
      1,
    );
    const values = rows * w.outChannels * taps;
    kernels.store.dispatch(g, {
      work: {
        signature: layer,
        bytes: Tensor.bytesFor(rows * cols, 'f32') + (w.bias?.byteLength ?? 0) + Tensor.bytesFor(values, 'f32'),
      },
      overrides: { ACT: act },
      uniforms: {
        total: rows * w.outChannels,
        channels: w.outChannels,
        taps,
        kernel: w.kernel,
        cols,
        voxels,
        inH: H,
        inW: W,
        firstRow: first,
        hasBias: w.bias ? 1 : 0,
      },
      storage: { c, bias: w.bias ?? UNUSED_BINDING, y },
      workgroups: elementwiseGrid(rows * w.outChannels),
    });
  }
}
