// MaxPool3d(kernel 2, stride 2), floor mode: one invocation per output value.
struct P { out_size: u32, od: u32, oh: u32, ow: u32, d: u32, h: u32, w: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = elementwise_index(gid, nwg);
  if (o >= p.out_size) { return; }
  let ox = o % p.ow;
  let oy = (o / p.ow) % p.oh;
  let oz = (o / (p.ow * p.oh)) % p.od;
  let plane = o / (p.ow * p.oh * p.od);
  let corner = ((plane * p.d + 2u * oz) * p.h + 2u * oy) * p.w + 2u * ox;
  var m = x[corner];
  for (var dz = 0u; dz < 2u; dz++) {
    for (var dy = 0u; dy < 2u; dy++) {
      let row = corner + (dz * p.h + dy) * p.w;
      m = max(m, max(x[row], x[row + 1u]));
    }
  }
  y[o] = m;
}
