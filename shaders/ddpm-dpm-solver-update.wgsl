// DPM-Solver++(2M) in data-prediction form (Lu et al., 2022): x0 = a * (x - eps * b)
// is the step's data prediction, and x = c * x + d * x0 + e * x0_prev, where
// x0_prev is the previous step's prediction, kept in `previous`. The host folds
// the multistep weights into d and e; e = 0 on first-order steps, which then
// never read `previous` (unset before the first step).
struct P {
  size: u32,
  // A NaN from the host: it marks x when the step has no table row.
  nan: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> state: StepState;
@group(0) @binding(2) var<storage, read> table: array<SamplerStep>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read> eps: array<f32>;
@group(0) @binding(5) var<storage, read_write> previous: array<f32>;

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
  let x0 = s.a * (x[idx] - eps[idx] * s.b);
  var next = s.c * x[idx] + s.d * x0;
  if (s.e != 0.0) {
    next += s.e * previous[idx];
  }
  x[idx] = next;
  previous[idx] = x0;
}
