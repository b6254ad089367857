// ConvTranspose3d as an output-stationary gather (no scatter, no atomics).
//
// Output z receives tap kd from input (z + P - kd) / S when that division is
// exact. Outputs are split into S^3 parity classes (z % S, y % S, x % S); within
// a class the valid taps and the input offsets are the same for every voxel,
// so each class is a plain stride-1 correlation over a thinned kernel and only
// valid taps are visited (kernel = stride = 2: exactly one tap per dimension).
//
// Each invocation owns VW output voxels of one class along W (x = rx + S*xq for
// consecutive xq) by 4*OCV output channels. A workgroup shares one channel
// group and one class, so weight addresses and tap loops are uniform and only
// the input is gathered per lane.
//
// Weights are laid out by src/ops/conv-transpose3d.ts as
// [channel group][input channel][kd][kh][kw][OCV vec4 of output channels].

const VW = 4u;
const OCV = 2u;
// Widest input window: stride 1, kernel 3.
const SPAN_MAX = VW + 2u;

override WG: u32 = 64u;
override K: u32 = 2u;
override S: u32 = 2u;
override P: u32 = 0u;
override HAS_BIAS: bool = true;

struct Params {
  inChannels: u32,
  outChannels: u32,
  inD: u32, inH: u32, inW: u32,
  outD: u32, outH: u32, outW: u32,
  // Voxels of one class per dimension, rounded up over the classes.
  classD: u32, classH: u32,
  tilesW: u32,
  tiles: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// First valid tap, number of valid taps and the input offset of the first tap
// for outputs of residue r along one dimension.
struct Taps { first: u32, count: u32, offset: i32 }

fn taps(r: u32) -> Taps {
  let first = (r + P) % S;
  let count = select(0u, (K - first + S - 1u) / S, first < K);
  return Taps(first, count, i32((r + P) / S));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let tile = (wid.x + wid.z * nwg.x) * WG + lid;
  if (tile >= p.tiles) { return; }
  let classes = S * S * S;
  let group = wid.y / classes;
  let cls = wid.y % classes;
  let rx = cls % S;
  let ry = (cls / S) % S;
  let rz = cls / (S * S);

  let xq0 = (tile % p.tilesW) * VW;
  var rest = tile / p.tilesW;
  let yq = rest % p.classH;
  rest /= p.classH;
  let zq = rest % p.classD;
  let b = rest / p.classD;

  let td = taps(rz);
  let th = taps(ry);
  let tw = taps(rx);
  let inW = i32(p.inW);
  let plane = p.inH * p.inW;
  let volume = p.inD * plane;
  // Input x of window slot 0: the last tap of the first voxel.
  let ix0 = i32(xq0) + tw.offset - i32(tw.count) + 1;
  let span = VW + tw.count - 1u;

  var acc: array<vec4f, VW * OCV>;
  let wGroup = group * p.inChannels * K * K * K * OCV;
  var xc = b * p.inChannels * volume;
  for (var i = 0u; i < p.inChannels; i++) {
    for (var a = 0u; a < td.count; a++) {
      let kd = td.first + a * S;
      let iz = i32(zq) + td.offset - i32(a);
      let zOk = iz >= 0 && iz < i32(p.inD);
      let zBase = xc + u32(clamp(iz, 0, i32(p.inD) - 1)) * plane;
      for (var c = 0u; c < th.count; c++) {
        let kh = th.first + c * S;
        let iy = i32(yq) + th.offset - i32(c);
        let rowOk = zOk && iy >= 0 && iy < i32(p.inH);
        let row = zBase + u32(clamp(iy, 0, i32(p.inH) - 1)) * p.inW;
        var win: array<f32, SPAN_MAX>;
        for (var j = 0u; j < span; j++) {
          let ix = ix0 + i32(j);
          win[j] = select(0.0, x[row + u32(clamp(ix, 0, inW - 1))], rowOk && ix >= 0 && ix < inW);
        }
        for (var e = 0u; e < tw.count; e++) {
          let kw = tw.first + e * S;
          let wi = wGroup + (((i * K + kd) * K + kh) * K + kw) * OCV;
          for (var q = 0u; q < OCV; q++) {
            let wv = w[wi + q];
            for (var v = 0u; v < VW; v++) {
              acc[v * OCV + q] = fma(vec4f(win[v + tw.count - 1u - e]), wv, acc[v * OCV + q]);
            }
          }
        }
      }
    }
    xc += volume;
  }

  let oz = rz + S * zq;
  let oy = ry + S * yq;
  if (oz >= p.outD || oy >= p.outH) { return; }
  let outPlane = p.outH * p.outW;
  let outVolume = p.outD * outPlane;
  let voxel = oz * outPlane + oy * p.outW;
  for (var q = 0u; q < OCV; q++) {
    for (var e = 0u; e < 4u; e++) {
      let o = (group * OCV + q) * 4u + e;
      if (o >= p.outChannels) { continue; }
      var bo = 0.0;
      if (HAS_BIAS) { bo = bias[o]; }
      let base = (b * p.outChannels + o) * outVolume + voxel;
      for (var v = 0u; v < VW; v++) {
        let ox = rx + S * (xq0 + v);
        if (ox < p.outW) { y[base + ox] = acc[v * OCV + q][e] + bo; }
      }
    }
  }
}
