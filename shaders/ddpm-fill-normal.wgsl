// x_T ~ N(0, 1), from its own Philox stream.
struct P { size: u32, per_sample: u32, key0: u32, key1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> state: StepState;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = elementwise_index(gid, nwg);
  if (idx >= p.size) { return; }
  let b = idx / p.per_sample;
  let counter = vec4u(idx - b * p.per_sample, state.i, state.sample_offset + b, NOISE_STREAM_START);
  x[idx] = philox_normal(counter, vec2u(p.key0, p.key1));
}
