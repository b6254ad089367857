// The A operand of a GEMM layer (src/ops/gemm-layer.ts) from a channel-first
// input x [B][channels][voxels]: row b * voxels + v holds voxel v's channels,
// zero-padded to whole vec4s (A [rows][kQuads] vec4). One invocation per vec4.
struct Params {
  total: u32,
  channels: u32,
  kQuads: u32,
  voxels: u32,
  firstRow: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> a: array<vec4f>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = elementwise_index(gid, nwg);
  if (i >= p.total) { return; }
  let kq = i % p.kQuads;
  let row = p.firstRow + i / p.kQuads;
  let base = (row / p.voxels) * p.channels * p.voxels + row % p.voxels;
  var q = vec4f();
  for (var e = 0u; e < 4u; e++) {
    let k = 4u * kq + e;
    if (k < p.channels) { q[e] = x[base + k * p.voxels]; }
  }
  a[i] = q;
}
