// x = oneover_sqrta[i] * (x - eps * mab_over_sqrtmab[i]) + sqrt_beta_t[i] * z,
// in that order, with z = 0 for i <= 1. z comes from Philox, or from a noise
// buffer (steps, batch, ...) whose slice s holds the noise for i = first_step - s.
override PHILOX_NOISE: bool = true;

struct P {
  size: u32,
  per_sample: u32,
  batch: u32,
  timesteps: u32,
  key0: u32,
  key1: u32,
  first_step: u32,
  steps: u32,
  // A NaN from the host, as WGSL cannot spell one: it marks x when i has no
  // schedule row or noise slice, visibly, where a clamped read would not.
  nan: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> state: StepState;
// Per i: (oneover_sqrta, mab_over_sqrtmab, sqrt_beta_t, 0).
@group(0) @binding(2) var<storage, read> schedule: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read> eps: array<f32>;
// With PHILOX_NOISE the wrapper binds eps here; it is then never read.
@group(0) @binding(5) var<storage, read> noise: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = elementwise_index(gid, nwg);
  if (idx >= p.size) { return; }
  let i = state.i;
  // Wraps to a huge slice for i > first_step.
  let slice = p.first_step - i;
  if (i >= p.timesteps || (!PHILOX_NOISE && i > 1u && slice >= p.steps)) {
    x[idx] = p.nan;
    return;
  }
  let b = idx / p.per_sample;
  let e = idx - b * p.per_sample;
  var z = 0.0;
  if (i > 1u) {
    if (PHILOX_NOISE) {
      z = philox_normal(vec4u(e, i, state.sample_offset + b, NOISE_STREAM_STEP), vec2u(p.key0, p.key1));
    } else {
      z = noise[(slice * p.batch + b) * p.per_sample + e];
    }
  }
  let c = schedule[i];
  let mean = c.x * (x[idx] - eps[idx] * c.y);
  x[idx] = mean + c.z * z;
}
