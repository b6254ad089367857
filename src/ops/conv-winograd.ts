// Winograd F(2x2x2, 3x3x3) for stride-1, pad-1 3x3x3 convolutions: each
// 2x2x2 output tile from a 4x4x4 input tile with 64 multiply-adds per
// channel pair instead of 8 x 27 = 216. Three passes: the input transform
// (which also pads, shaders/conv-winograd-input.wgsl), 64 GEMMs
// (tiles x C_in) x (C_in x C_out) on the GEMM core (src/ops/gemm.ts), the
// output transform with the bias (shaders/conv-winograd-output.wgsl).
import inputWgsl from '../../shaders/conv-winograd-input.wgsl';
import outputWgsl from '../../shaders/conv-winograd-output.wgsl';
import tileWgsl from '../../shaders/conv-winograd-tile.wgsl';
import type { HostTensor } from '../io/host-tensor.js';
import { declareKernel, grid } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import { Tensor, UNUSED_BINDING, type Allocator, type DType, type Graph } from '../runtime/index.js';
import { batchedGemm, GEMM_COLUMN_BLOCK, GEMM_K_BLOCK } from './gemm.js';

const kernels = {
  input: declareKernel({
    name: 'conv3d winograd input',
    parts: [tileWgsl, inputWgsl],
    uniforms: {
      struct: 'Params',
      fields: {
        total: 'u32', channels: 'u32', channelSlots: 'u32', rows: 'u32',
        inD: 'u32', inH: 'u32', inW: 'u32',
        tilesD: 'u32', tilesH: 'u32', tilesW: 'u32',
        firstRow: 'u32',
      },
    },
    storage: { x: 'read', v: 'read_write' },
  }),
  output: declareKernel({
    name: 'conv3d winograd output',
    parts: [tileWgsl, outputWgsl],
    uniforms: {
      struct: 'Params',
      fields: {
        total: 'u32', channels: 'u32', channelSlots: 'u32', rows: 'u32',
        outD: 'u32', outH: 'u32', outW: 'u32',
        tilesD: 'u32', tilesH: 'u32', tilesW: 'u32',
        firstRow: 'u32', hasBias: 'u32',
      },
    },
    storage: { m: 'read', bias: 'read', y: 'read_write' },
  }),
};
const INPUT_WORKGROUP = wgslConstant(inputWgsl, 'WORKGROUP');
const OUTPUT_WORKGROUP = wgslConstant(outputWgsl, 'WORKGROUP');

/** Transformed components per channel pair: 4 per axis. */
const COMPONENTS = 64;

/**
 * The transformed kernel U[xi][i][o] = (G g[o][i] G^T per axis)[xi], split
 * into parts of whole components so that each fits one binding.
 */
export interface WinogradWeights {
  /** [components of the part][depth][cols] in the conv storage type. */
  parts: Tensor[];
  componentsPerPart: number;
  /** Input channels rounded up to the GEMM's K block (zero rows past them). */
  depth: number;
  /** Output channels rounded up to the GEMM's column block (zero columns past them). */
  cols: number;
}

/** G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] applied to 3 taps. */
function filterTransform(g0: number, g1: number, g2: number, out: Float64Array, at: number, step: number): void {
  out[at] = g0;
  out[at + step] = 0.5 * (g0 + g1 + g2);
  out[at + 2 * step] = 0.5 * (g0 - g1 + g2);
  out[at + 3 * step] = g2;
}

/**
 * Transforms a PyTorch Conv3d weight (O, I, 3, 3, 3) in float64 and uploads
 * it in `dtype`, split by maxStorageBufferBindingSize (never above maxBufferSize).
 */
export function prepareWinograd(owner: Allocator, weight: HostTensor, dtype: DType): WinogradWeights {
  const [O, I] = weight.shape;
  const depth = Math.ceil(I / GEMM_K_BLOCK) * GEMM_K_BLOCK;
  const cols = Math.ceil(O / GEMM_COLUMN_BLOCK) * GEMM_COLUMN_BLOCK;
  const perComponent = depth * cols;
  const u = new Float32Array(COMPONENTS * perComponent);
  // Per channel pair: along w (9 rows of 3 taps -> 4), then h, then d.
  const alongW = new Float64Array(36);
  const alongH = new Float64Array(48);
  const full = new Float64Array(COMPONENTS);
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      const g = weight.data.subarray((o * I + i) * 27, (o * I + i + 1) * 27);
      for (let r = 0; r < 9; r++) filterTransform(g[3 * r], g[3 * r + 1], g[3 * r + 2], alongW, 4 * r, 1);
      // alongW[(kd * 3 + kh) * 4 + c] -> alongH[(kd * 4 + b) * 4 + c]
      for (let kd = 0; kd < 3; kd++) {
        for (let c = 0; c < 4; c++) {
          const at = kd * 12 + c;
          filterTransform(alongW[at], alongW[at + 4], alongW[at + 8], alongH, kd * 16 + c, 4);
        }
      }
      for (let bc = 0; bc < 16; bc++) filterTransform(alongH[bc], alongH[bc + 16], alongH[bc + 32], full, bc, 16);
      for (let xi = 0; xi < COMPONENTS; xi++) u[xi * perComponent + i * cols + o] = full[xi];
    }
  }
  const componentsPerPart = Math.min(COMPONENTS, Math.floor(owner.runtime.limits.maxStorageBufferBindingSize / Tensor.bytesFor(perComponent, dtype)));
  if (componentsPerPart < 1) throw new Error(`conv3d: one Winograd component of weight [${weight.shape}] exceeds the largest binding`);
  const parts: Tensor[] = [];
  for (let first = 0; first < COMPONENTS; first += componentsPerPart) {
    const count = Math.min(componentsPerPart, COMPONENTS - first);
    parts.push(owner.upload(u.subarray(first * perComponent, (first + count) * perComponent), [count, depth, cols], dtype));
  }
  return { parts, componentsPerPart, depth, cols };
}

/** y = conv3d(x, w, stride 1, padding 1) + bias by Winograd; x (B, I, D, H, W), y (B, O, D, H, W). */
export function winogradConv3d(
  g: Graph,
  x: Tensor,
  w: WinogradWeights,
  bias: Tensor | undefined,
  inChannels: number,
  outChannels: number,
  y: Tensor,
): void {
  const [B, I, D, H, W] = x.shape;
  const tiles = [D, H, W].map((n) => Math.ceil(n / 2));
  const tilesPerSample = tiles[0] * tiles[1] * tiles[2];
  const signature = `conv3d ${inChannels}->${outChannels} k3 s1 -> ${D}x${H}x${W}`;
  // Large layers run in chunks of tiles whose transformed input and products fit one binding.
  const perRow = Tensor.bytesFor(COMPONENTS * Math.max(w.depth, w.cols), 'f32');
  const total = B * tilesPerSample;
  const chunk = Math.min(total, Math.floor(g.rt.limits.maxStorageBufferBindingSize / perRow));
  if (chunk < 1) throw new Error(`conv3d: the Winograd transform of one tile of input [${x.shape}] exceeds the largest binding`);
  const v = g.tensor([COMPONENTS, chunk, w.depth]);
  const m = g.tensor([COMPONENTS, chunk, w.cols]);
  const shape = `${signature} (B=${B})`;
  for (let first = 0; first < total; first += chunk) {
    const rows = Math.min(chunk, total - first);
    kernels.input.dispatch(g, {
      work: {
        signature: shape,
        bytes: Tensor.bytesFor((rows / tilesPerSample) * I * D * H * W, 'f32') + Tensor.bytesFor(COMPONENTS * rows * w.depth, 'f32'),
        // The GEMMs carry the conv's FLOP: the transforms only add.
        flops: 0,
      },
      uniforms: {
        total: rows * w.depth,
        channels: I,
        channelSlots: w.depth,
        rows,
        inD: D,
        inH: H,
        inW: W,
        tilesD: tiles[0],
        tilesH: tiles[1],
        tilesW: tiles[2],
        firstRow: first,
      },
      storage: { x, v },
      workgroups: grid(rows * w.depth, INPUT_WORKGROUP),
    });
    const nominal = (2 * rows * D * H * W * 27 * inChannels * outChannels) / tilesPerSample;
    w.parts.forEach((part, index) => {
      const count = part.shape[0];
      batchedGemm(
        g,
        'conv3d winograd gemm',
        {
          signature: shape,
          bytes: Tensor.bytesFor(count * rows * (w.depth + w.cols), 'f32') + part.byteLength,
          flops: (nominal * count) / COMPONENTS,
          executedFlops: 2 * count * rows * w.depth * w.cols,
        },
        v,
        part,
        m,
        { rows, depth: w.depth, cols: w.cols },
        index * w.componentsPerPart,
        count,
      );
    });
    kernels.output.dispatch(g, {
      work: {
        signature: shape,
        bytes: Tensor.bytesFor(COMPONENTS * rows * w.cols, 'f32') + Tensor.bytesFor((rows / tilesPerSample) * outChannels * D * H * W, 'f32'),
        flops: 0,
      },
      uniforms: {
        total: rows * outChannels,
        channels: outChannels,
        channelSlots: w.cols,
        rows,
        outD: D,
        outH: H,
        outW: W,
        tilesD: tiles[0],
        tilesH: tiles[1],
        tilesW: tiles[2],
        firstRow: first,
        hasBias: bias ? 1 : 0,
      },
      storage: { m, bias: bias ?? UNUSED_BINDING, y },
      workgroups: grid(rows * outChannels, OUTPUT_WORKGROUP),
    });
  }
}
