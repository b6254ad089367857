// Conv3d as an implicit GEMM: M = output channels, N = output voxels,
// K = input channels x kernel taps, with no im2col buffer.
//
// Each invocation owns a register tile of VW output voxels (a run along W)
// by 4*OCV output channels. All invocations of a workgroup share the channel
// group, so the weight addresses are workgroup-uniform (llvmpipe turns those
// into one scalar load for all SIMD lanes); only the input is gathered per
// lane. For each (input channel, kd, kh) the input row window covering all
// kw taps of the tile is loaded once and reused from registers.
//
// Weights are laid out by src/ops/conv3d.ts as
// [channel group][input channel][kd][kh][kw][OCV vec4 of output channels].

const VW = 4u;
const OCV = 2u;
// Widest input window: stride 2, kernel 3.
const SPAN_MAX = (VW - 1u) * 2u + 3u;

override WG: u32 = 64u;
override K: u32 = 3u;
override S: u32 = 1u;
override P: u32 = 1u;
override HAS_BIAS: bool = true;

struct Params {
  inChannels: u32,
  outChannels: u32,
  inD: u32, inH: u32, inW: u32,
  outD: u32, outH: u32, outW: u32,
  tilesW: u32,
  tiles: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  // No early return for the tail: llvmpipe only scalarises a uniform load
  // while invocation 0 may still be active, so spare lanes compute the last
  // tile again and skip the store.
  let slot = (wid.x + wid.z * nwg.x) * WG + lid;
  let tile = min(slot, p.tiles - 1u);
  let group = wid.y;

  let ox0 = (tile % p.tilesW) * VW;
  var rest = tile / p.tilesW;
  let oy = rest % p.outH;
  rest /= p.outH;
  let oz = rest % p.outD;
  let b = rest / p.outD;

  let inW = i32(p.inW);
  let plane = p.inH * p.inW;
  let volume = p.inD * plane;
  let ix0 = i32(ox0 * S) - i32(P);
  let span = (VW - 1u) * S + K;

  var acc: array<vec4f, VW * OCV>;
  var wi = group * p.inChannels * K * K * K * OCV;
  var xc = b * p.inChannels * volume;
  for (var i = 0u; i < p.inChannels; i++) {
    for (var kd = 0u; kd < K; kd++) {
      let iz = i32(oz * S + kd) - i32(P);
      let zOk = iz >= 0 && iz < i32(p.inD);
      let zBase = xc + u32(clamp(iz, 0, i32(p.inD) - 1)) * plane;
      for (var kh = 0u; kh < K; kh++) {
        let iy = i32(oy * S + kh) - i32(P);
        let rowOk = zOk && iy >= 0 && iy < i32(p.inH);
        let row = zBase + u32(clamp(iy, 0, i32(p.inH) - 1)) * p.inW;
        var win: array<f32, SPAN_MAX>;
        for (var j = 0u; j < span; j++) {
          let ix = ix0 + i32(j);
          win[j] = select(0.0, x[row + u32(clamp(ix, 0, inW - 1))], rowOk && ix >= 0 && ix < inW);
        }
        for (var kw = 0u; kw < K; kw++) {
          for (var c = 0u; c < OCV; c++) {
            let wv = w[wi + c];
            for (var v = 0u; v < VW; v++) {
              acc[v * OCV + c] = fma(vec4f(win[v * S + kw]), wv, acc[v * OCV + c]);
            }
          }
          wi += OCV;
        }
      }
    }
    xc += volume;
  }

  let outPlane = p.outH * p.outW;
  let outVolume = p.outD * outPlane;
  let voxel = oz * outPlane + oy * p.outW;
  for (var c = 0u; c < OCV; c++) {
    for (var e = 0u; e < 4u; e++) {
      let o = (group * OCV + c) * 4u + e;
      if (o >= p.outChannels || slot >= p.tiles) { continue; }
      var bo = 0.0;
      if (HAS_BIAS) { bo = bias[o]; }
      let base = (b * p.outChannels + o) * outVolume + voxel;
      for (var v = 0u; v < VW; v++) {
        if (ox0 + v < p.outW) { y[base + ox0 + v] = acc[v * OCV + c][e] + bo; }
      }
    }
  }
}
