// Copies one input (B, C_in, S) into channels [offset, offset + C_in) of the
// output (B, C_out, S); concatenating n inputs is n such dispatches.
struct P { size: u32, in_len: u32, out_len: u32, offset_len: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = elementwise_index(gid, nwg);
  if (i >= p.size) { return; }
  let b = i / p.in_len;
  y[b * p.out_len + p.offset_len + (i - b * p.in_len)] = x[i];
}
