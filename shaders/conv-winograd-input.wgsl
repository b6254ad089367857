// Winograd F(2x2x2, 3x3x3) input transform for a stride-1, pad-1 3x3x3
// Conv3d (src/ops/conv-winograd.ts). Output tile t of sample b covers output
// voxels 2t .. 2t+1 per axis and reads the 4x4x4 input patch from 2t - 1;
// voxels outside the input read zero, so this pass also does the padding.
// The patch d is transformed per axis by B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
// and component xi = (a, b, c) of channel ch goes to V[xi][row][ch], the
// left matrix of GEMM xi (rows = the chunk's tiles, channel slots
// past the last channel zero). One invocation transforms one (row, channel).
struct Params {
  total: u32,
  channels: u32,
  channelSlots: u32,
  rows: u32,
  inD: u32, inH: u32, inW: u32,
  tilesD: u32, tilesH: u32, tilesW: u32,
  // Tile index (over the batch) of the chunk's row 0: large layers run in chunks of rows.
  firstRow: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;

// B^T applied to 4 values along one axis.
fn transform(d: vec4f) -> vec4f {
  return vec4f(d.x - d.z, d.y + d.z, d.z - d.y, d.y - d.w);
}

const WORKGROUP = 64u;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WORKGROUP;
  if (i >= p.total) { return; }
  let ch = i % p.channelSlots;
  let row = i / p.channelSlots;
  let tile = winogradTile(p.firstRow + row, vec3u(p.tilesD, p.tilesH, p.tilesW));
  let b = tile.sample;
  let live = ch < p.channels;
  let base = (b * p.channels + min(ch, p.channels - 1u)) * p.inD * p.inH * p.inW;
  // Patch origins; underflow wraps to huge values, so one compare per coordinate.
  let z0 = 2u * tile.d - 1u;
  let y0 = 2u * tile.h - 1u;
  let x0 = 2u * tile.w - 1u;
  let last = arrayLength(&x) - 1u;

  // Transformed along w then h, per patch plane along d: column jh of planes[jd].
  var planes: array<mat4x4f, 4>;
  for (var jd = 0u; jd < 4u; jd++) {
    var rows: mat4x4f;
    for (var jh = 0u; jh < 4u; jh++) {
      var d = vec4f();
      let zy = z0 + jd < p.inD && y0 + jh < p.inH;
      let at = base + ((z0 + jd) * p.inH + y0 + jh) * p.inW;
      for (var jw = 0u; jw < 4u; jw++) {
        let inside = live && zy && x0 + jw < p.inW;
        d[jw] = select(0.0, x[min(at + x0 + jw, last)], inside);
      }
      rows[jh] = transform(d);
    }
    planes[jd] = mat4x4f(rows[0] - rows[2], rows[1] + rows[2], rows[2] - rows[1], rows[1] - rows[3]);
  }
  let u = array(planes[0] - planes[2], planes[1] + planes[2], planes[2] - planes[1], planes[1] - planes[3]);

  let stride = p.rows * p.channelSlots;
  var at = row * p.channelSlots + ch;
  for (var a = 0u; a < 4u; a++) {
    for (var bh = 0u; bh < 4u; bh++) {
      for (var c = 0u; c < 4u; c++) {
        v[at] = u[a][bh][c];
        at += stride;
      }
    }
  }
}
