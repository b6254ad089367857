// y = x + v0 [+ v1], each v (B, C) broadcast over the spatial extent of x
// (B, C, S). Without SECOND the wrapper binds v0 twice and v1 is never read.
override SECOND: bool = false;

struct P { size: u32, spatial: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> v0: array<f32>;
@group(0) @binding(3) var<storage, read> v1: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = elementwise_index(gid, nwg);
  if (i >= p.size) { return; }
  let bc = i / p.spatial;
  var v = x[i] + v0[bc];
  if (SECOND) { v += v1[bc]; }
  y[i] = v;
}
