import type { Runtime } from '../../src/runtime/index.js';
import { randomArray } from '../helpers/numeric.js';

/**
 * float64 references for Conv3d and ConvTranspose3d with PyTorch semantics
 * (NCDHW, cubic kernels, zero padding). Direct loops, no cleverness: they are
 * the ground truth the kernels are judged against.
 */

export type Shape5 = [number, number, number, number, number];

export interface ConvCase {
  /** (B, I, D, H, W) */
  xShape: Readonly<Shape5>;
  x: ArrayLike<number>;
  /** Conv3d: (O, I, k, k, k); ConvTranspose3d: (I, O, k, k, k), as PyTorch stores them. */
  weight: ArrayLike<number>;
  bias?: ArrayLike<number>;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
}

/** One layer to run on the GPU and against the reference; conv3d ignores outputPadding. */
export interface LayerCase {
  batch: number;
  inChannels: number;
  outChannels: number;
  size: [number, number, number];
  kernel: number;
  stride: number;
  padding: number;
  outputPadding?: number;
  bias: boolean;
}

/**
 * Random input, weights and bias for `c`, the weights (I x O x k^3 values in
 * either layout) and bias scaled by 1 / sqrt(fanIn) as PyTorch initialises them.
 */
export function randomLayer(c: LayerCase, seed: number, fanIn: number) {
  const xShape: Shape5 = [c.batch, c.inChannels, ...c.size];
  const scale = 1 / Math.sqrt(fanIn);
  return {
    xShape,
    x: randomArray(xShape.reduce((a, b) => a * b, 1), seed),
    weight: randomArray(c.inChannels * c.outChannels * c.kernel ** 3, seed + 1, scale),
    bias: c.bias ? randomArray(c.outChannels, seed + 2, scale) : undefined,
  };
}

/**
 * The reference output restricted to `channels` (all when absent), shaped
 * (B, channels.length, Do, Ho, Wo): large layers are checked on a subset.
 */
export interface RefOutput {
  shape: Shape5;
  data: Float64Array;
}

export function conv3dOutSize(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

export function convTranspose3dOutSize(n: number, k: number, s: number, p: number, op: number): number {
  return (n - 1) * s - 2 * p + k + op;
}

function allChannels(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function conv3dRef(c: ConvCase, channels: readonly number[] = allChannels(c.outChannels)): RefOutput {
  const [B, I, D, H, W] = c.xShape;
  const { kernel: k, stride: s, padding: p } = c;
  const [Do, Ho, Wo] = [D, H, W].map((n) => conv3dOutSize(n, k, s, p));
  const out = new Float64Array(B * channels.length * Do * Ho * Wo);
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (const o of channels) {
      for (let z = 0; z < Do; z++) {
        for (let y = 0; y < Ho; y++) {
          for (let x = 0; x < Wo; x++) {
            let sum = c.bias ? c.bias[o] : 0;
            for (let i = 0; i < I; i++) {
              for (let kd = 0; kd < k; kd++) {
                const iz = z * s - p + kd;
                if (iz < 0 || iz >= D) continue;
                for (let kh = 0; kh < k; kh++) {
                  const iy = y * s - p + kh;
                  if (iy < 0 || iy >= H) continue;
                  for (let kw = 0; kw < k; kw++) {
                    const ix = x * s - p + kw;
                    if (ix < 0 || ix >= W) continue;
                    const xv = c.x[(((b * I + i) * D + iz) * H + iy) * W + ix];
                    const wv = c.weight[(((o * I + i) * k + kd) * k + kh) * k + kw];
                    sum += xv * wv;
                  }
                }
              }
            }
            out[n++] = sum;
          }
        }
      }
    }
  }
  return { shape: [B, channels.length, Do, Ho, Wo], data: out };
}

/** Scatter form, the definition itself: each input voxel spreads its kernel over the output. */
export function convTranspose3dRef(
  c: ConvCase & { outputPadding: number },
  channels: readonly number[] = allChannels(c.outChannels),
): RefOutput {
  const [B, I, D, H, W] = c.xShape;
  const { kernel: k, stride: s, padding: p, outChannels: O } = c;
  const [Do, Ho, Wo] = [D, H, W].map((n) => convTranspose3dOutSize(n, k, s, p, c.outputPadding));
  const C = channels.length;
  const out = new Float64Array(B * C * Do * Ho * Wo);
  for (let b = 0; b < B; b++) {
    for (let ci = 0; ci < C; ci++) {
      const o = channels[ci];
      const plane = out.subarray((b * C + ci) * Do * Ho * Wo, (b * C + ci + 1) * Do * Ho * Wo);
      if (c.bias) plane.fill(c.bias[o]);
      for (let i = 0; i < I; i++) {
        for (let z = 0; z < D; z++) {
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              const xv = c.x[(((b * I + i) * D + z) * H + y) * W + x];
              for (let kd = 0; kd < k; kd++) {
                const oz = z * s - p + kd;
                if (oz < 0 || oz >= Do) continue;
                for (let kh = 0; kh < k; kh++) {
                  const oy = y * s - p + kh;
                  if (oy < 0 || oy >= Ho) continue;
                  for (let kw = 0; kw < k; kw++) {
                    const ox = x * s - p + kw;
                    if (ox < 0 || ox >= Wo) continue;
                    plane[(oz * Ho + oy) * Wo + ox] += xv * c.weight[(((i * O + o) * k + kd) * k + kh) * k + kw];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return { shape: [B, C, Do, Ho, Wo], data: out };
}

/** The (B, channels, D, H, W) part of a full (B, C, D, H, W) output, to compare with a subset reference. */
export function pickChannels(out: Float32Array, batch: number, outChannels: number, channels?: readonly number[]): Float32Array {
  if (!channels) return out;
  const volume = out.length / (batch * outChannels);
  const picked = new Float32Array(batch * channels.length * volume);
  for (let b = 0; b < batch; b++) {
    channels.forEach((c, i) => {
      const from = (b * outChannels + c) * volume;
      picked.set(out.subarray(from, from + volume), (b * channels.length + i) * volume);
    });
  }
  return picked;
}

/**
 * ||out - ref|| / ||ref||, or max |out| when the reference is all zero (a
 * layer whose padding hides the whole input, e.g. k1 p1 s2 on a size-1 axis).
 */
export function convErr(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (out.length !== ref.length) throw new Error(`length ${out.length} vs reference ${ref.length}`);
  let num = 0;
  let den = 0;
  let max = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (out[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
    max = Math.max(max, Number.isNaN(out[i]) ? Infinity : Math.abs(out[i]));
  }
  return den > 0 ? Math.sqrt(num / den) : max;
}

/** The runtime with some of its device's properties replaced. */
export function withDevice(rt: Runtime, replaced: Partial<Record<keyof GPUDevice, unknown>>): Runtime {
  const device = new Proxy(rt.device, {
    get: (target, key) => {
      if (Object.hasOwn(replaced, key)) return replaced[key as keyof GPUDevice];
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(rt, { get: (target, key) => (key === 'device' ? device : Reflect.get(target, key)) });
}

/**
 * The runtime as a device without subgroups would present it, so that the
 * core kernel falls back to its plain weight loader (browsers, small subgroups).
 */
export function withoutSubgroups(rt: Runtime): Runtime {
  return withDevice(rt, { features: new Set([...rt.device.features].filter((f) => f !== 'subgroups')) });
}

/**
 * The runtime as a GPU with 32-lane subgroups would present it, so that the
 * kernels take their GPU tilings and workgroup sizes on a CPU adapter (the
 * subgroup kernels stay correct: they only need subgroups of 8 or more).
 */
export function asGpuAdapter(rt: Runtime): Runtime {
  const info = rt.device.adapterInfo;
  return withDevice(rt, { adapterInfo: new Proxy(info, { get: (target, key) => (key === 'subgroupMaxSize' ? 32 : Reflect.get(target, key)) }) });
}

/** The runtime as a device whose bindings hold at most `bytes` would present it. */
export function withBindingLimit(rt: Runtime, bytes: number): Runtime {
  const limits = { maxStorageBufferBindingSize: bytes } as GPUSupportedLimits;
  return new Proxy(rt, { get: (target, key, receiver) => (key === 'limits' ? limits : Reflect.get(target, key, receiver)) });
}
