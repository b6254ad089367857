// Zero-padded copy of (planes, D, H, W) values of x, from `first` on, into
// (planes, padD, padH, padW) with the data at offset (loD, loH, loW): the
// input layout of shaders/conv3d.wgsl.
struct Params {
  total: u32,
  first: u32,
  inD: u32, inH: u32, inW: u32,
  padD: u32, padH: u32, padW: u32,
  loD: u32, loH: u32, loW: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> xp: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.total) { return; }
  var rest = i / p.padW;
  // Shifted coordinates; underflow wraps to huge values, so one compare per axis.
  let xw = i % p.padW - p.loW;
  let xh = rest % p.padH - p.loH;
  rest /= p.padH;
  let xd = rest % p.padD - p.loD;
  let plane = rest / p.padD;
  let inside = xw < p.inW && xh < p.inH && xd < p.inD;
  let src = p.first + ((plane * p.inD + xd) * p.inH + xh) * p.inW + xw;
  xp[i] = select(0.0, x[min(src, arrayLength(&x) - 1u)], inside);
}
