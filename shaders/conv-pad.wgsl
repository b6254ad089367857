// Zero-padded copy of (planes, D, H, W) values of x, from `first` on, into
// (planes, padD, padH, padW) with the data at offset (loD, loH, loW): the
// input layout of shaders/conv3d.wgsl, stored as Quads (four f32, or four f16
// packed in two u32 in the f16 mode; shaders/conv-quad-*.wgsl).
// One invocation writes one Quad of a padded row (padW is a multiple of 4).
struct Params {
  // vec4s of the padded copy.
  total: u32,
  first: u32,
  inD: u32, inH: u32, inW: u32,
  padD: u32, padH: u32, padW: u32,
  loD: u32, loH: u32, loW: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> xp: array<Quad>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = elementwise_index(gid, nwg);
  if (i >= p.total) { return; }
  let rowVec4s = p.padW / 4u;
  var rest = i / rowVec4s;
  // Shifted coordinates; underflow wraps to huge values, so one compare per axis.
  let xh = rest % p.padH - p.loH;
  rest /= p.padH;
  let xd = rest % p.padD - p.loD;
  let plane = rest / p.padD;
  let rowInside = xh < p.inH && xd < p.inD;
  let rowStart = p.first + ((plane * p.inD + xd) * p.inH + xh) * p.inW;
  var v = vec4f();
  for (var k = 0u; k < 4u; k++) {
    let xw = (i % rowVec4s) * 4u + k - p.loW;
    let src = min(rowStart + xw, arrayLength(&x) - 1u);
    v[k] = select(0.0, x[src], rowInside && xw < p.inW);
  }
  xp[i] = packQuad(v);
}
