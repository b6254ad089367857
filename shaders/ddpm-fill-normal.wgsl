// x_T ~ N(0, 1), from its own Philox stream. The counter's step word is a
// constant (n_T - 2, the first DDPM index), so every sampler starts from the
// same x_T for a seed and sample.
struct P { size: u32, per_sample: u32, counter_step: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> state: StepState;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = elementwise_index(gid, nwg);
  if (idx >= p.size) { return; }
  let b = idx / p.per_sample;
  let counter = vec4u(idx - b * p.per_sample, p.counter_step, state.sample_offset + b, NOISE_STREAM_START);
  x[idx] = philox_normal(counter, vec2u(state.key0, state.key1));
}
