// DDPM and DDIM: x = a * (x - eps * b) + c * z, in that order, with the step's
// row of the coefficient table; z = 0 where c = 0 (DDPM's last step, DDIM with
// eta = 0). z comes from Philox keyed by (seed, sample, i, element), or from a
// noise buffer (steps, batch, ...) whose slice k holds the noise of step k.
override PHILOX_NOISE: bool = true;

struct P {
  size: u32,
  per_sample: u32,
  batch: u32,
  noise_steps: u32,
  // A NaN from the host, as WGSL cannot spell one: it marks x when the step has
  // no table row or noise slice, visibly, where a clamped read would not.
  nan: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> state: StepState;
@group(0) @binding(2) var<storage, read> table: array<SamplerStep>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read> eps: array<f32>;
// With PHILOX_NOISE the wrapper binds eps here; it is then never read.
@group(0) @binding(5) var<storage, read> noise: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = elementwise_index(gid, nwg);
  if (idx >= p.size) { return; }
  let k = state.step;
  if (k >= arrayLength(&table)) {
    x[idx] = p.nan;
    return;
  }
  let s = table[k];
  let noisy = s.c != 0.0;
  if (!PHILOX_NOISE && noisy && k >= p.noise_steps) {
    x[idx] = p.nan;
    return;
  }
  let b = idx / p.per_sample;
  let e = idx - b * p.per_sample;
  var z = 0.0;
  if (noisy) {
    if (PHILOX_NOISE) {
      z = philox_normal(vec4u(e, u32(s.timestep), state.sample_offset + b, NOISE_STREAM_STEP), vec2u(state.key0, state.key1));
    } else {
      z = noise[(k * p.batch + b) * p.per_sample + e];
    }
  }
  let mean = s.a * (x[idx] - eps[idx] * s.b);
  x[idx] = mean + s.c * z;
}
