// Winograd F(2x2x2, 3x3x3) output transform (src/ops/conv-winograd.ts): the
// 64 GEMM products M[xi][row][o] of one tile and output channel, transformed
// per axis by A^T = [1 1 1 0; 0 1 -1 -1] into the tile's 2x2x2 output voxels,
// plus the bias; voxels past an odd-sized output are skipped. One invocation
// per (row, output channel).
struct Params {
  total: u32,
  channels: u32,
  channelSlots: u32,
  rows: u32,
  outD: u32, outH: u32, outW: u32,
  tilesD: u32, tilesH: u32, tilesW: u32,
  firstRow: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// A^T applied to 4 values along one axis.
fn transform(d: vec4f) -> vec2f {
  return vec2f(d.x + d.y + d.z, d.y - d.z - d.w);
}

const WORKGROUP = 64u;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WORKGROUP;
  if (i >= p.total) { return; }
  let o = i % p.channels;
  let row = i / p.channels;
  let stride = p.rows * p.channelSlots;
  var at = row * p.channelSlots + o;

  // Transformed along w then h, per component along d: column jh of planes[a].
  var planes: array<mat2x2f, 4>;
  for (var a = 0u; a < 4u; a++) {
    var rows: array<vec2f, 4>;
    for (var b = 0u; b < 4u; b++) {
      var d = vec4f();
      for (var c = 0u; c < 4u; c++) {
        d[c] = m[at];
        at += stride;
      }
      rows[b] = transform(d);
    }
    planes[a] = mat2x2f(rows[0] + rows[1] + rows[2], rows[1] - rows[2] - rows[3]);
  }
  let vox = array(planes[0] + planes[1] + planes[2], planes[1] - planes[2] - planes[3]);

  let tile = winogradTile(p.firstRow + row, vec3u(p.tilesD, p.tilesH, p.tilesW));
  let b = tile.sample;
  var bo = 0.0;
  if (p.hasBias != 0u) { bo = bias[o]; }
  let base = (b * p.channels + o) * p.outD * p.outH * p.outW;
  for (var jd = 0u; jd < 2u; jd++) {
    for (var jh = 0u; jh < 2u; jh++) {
      for (var jw = 0u; jw < 2u; jw++) {
        let z = 2u * tile.d + jd;
        let yy = 2u * tile.h + jh;
        let xx = 2u * tile.w + jw;
        if (z < p.outD && yy < p.outH && xx < p.outW) {
          y[base + (z * p.outH + yy) * p.outW + xx] = vox[jd][jh][jw] + bo;
        }
      }
    }
  }
}
