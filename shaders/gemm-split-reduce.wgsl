// The second pass of split-K (src/ops/gemm.ts): C's matrices from the K
// slices' partial products, partial [slice][values], one invocation per vec4
// of C. Slices are summed in order, so a result does not depend on timing.
struct Params {
  // Vec4s of C that this dispatch writes (every matrix of one GEMM dispatch).
  total: u32,
  slices: u32,
  // Vec4 of C where the dispatch's first matrix starts.
  first: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4f>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = elementwise_index(gid, nwg);
  if (i >= p.total) { return; }
  var sum = partial[i];
  for (var s = 1u; s < p.slices; s++) { sum += partial[s * p.total + i]; }
  c[p.first + i] = sum;
}
