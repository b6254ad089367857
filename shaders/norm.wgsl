// GroupNorm (InstanceNorm when every channel is its own group), then an
// optional per-channel affine, the fused activation and an optional residual.
// A group's channels are contiguous in NCDHW, so a (batch, group) pair is one
// run of `group_len` values, a "segment". The parts before this one supply
// WG and `lane_sum`, which sums a vec2f over the workgroup
// (shaders/norm-plain.wgsl or norm-subgroup.wgsl), and the output `y` with
// `input_at` (shaders/norm-io.wgsl, or norm-io-in-place.wgsl where y holds x).
override AFFINE: bool = false;
override RESIDUAL: u32 = RESIDUAL_NONE;

// y = act(n)
const RESIDUAL_NONE = 0u;
// y = (residual + act(n)) * scale, the UNet's residual block
const RESIDUAL_ACT_THEN_ADD = 1u;
// y = act((residual + n) * scale), the VAE's ResBlock
const RESIDUAL_ADD_THEN_ACT = 2u;

struct P {
  segments_total: u32,
  groups_per_sample: u32,
  group_len: u32,
  spatial: u32,
  channels_per_group: u32,
  eps: f32,
  residual_scale: f32,
}
@group(0) @binding(0) var<uniform> p: P;
// Without AFFINE (RESIDUAL) the wrapper binds a placeholder here; these are then never read.
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<f32>;

fn finish(v: f32, at: u32) -> f32 {
  if (RESIDUAL == RESIDUAL_ACT_THEN_ADD) { return (residual[at] + activate(v)) * p.residual_scale; }
  if (RESIDUAL == RESIDUAL_ADD_THEN_ACT) { return activate((residual[at] + v) * p.residual_scale); }
  return activate(v);
}

fn normalise_segment(seg: u32, lid: u32) {
  let base = seg * p.group_len;
  let n = f32(p.group_len);

  var s = 0.0;
  for (var i = lid; i < p.group_len; i += WG) { s += input_at(base + i); }
  let rough_mean = lane_sum(vec2f(s, 0.0), lid).x / n;

  // Corrected two-pass: the deviations' own sum repairs the rounding of the
  // first mean, which matters when the mean is large against the spread.
  var dev = vec2f(0.0);
  for (var i = lid; i < p.group_len; i += WG) {
    let d = input_at(base + i) - rough_mean;
    dev += vec2f(d, d * d);
  }
  let sums = lane_sum(dev, lid);
  let shift = sums.x / n;
  let mean = rough_mean + shift;
  let variance = max(sums.y / n - shift * shift, 0.0);
  let rstd = 1.0 / sqrt(variance + p.eps);

  let first_channel = (seg % p.groups_per_sample) * p.channels_per_group;
  for (var i = lid; i < p.group_len; i += WG) {
    var v = (input_at(base + i) - mean) * rstd;
    if (AFFINE) {
      let c = first_channel + i / p.spatial;
      v = v * weight[c] + bias[c];
    }
    y[base + i] = finish(v, base + i);
  }
}

// One segment per workgroup: looping over several around the barriers made
// llvmpipe 1.5x slower, even with a constant trip count.
@compute @workgroup_size(WG)
fn one_segment_per_workgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                             @builtin(local_invocation_index) lid: u32) {
  let seg = wid.x + wid.y * nwg.x;
  if (seg >= p.segments_total) { return; }
  normalise_segment(seg, lid);
}

// SEGMENTS consecutive segments per workgroup, for subgroup-wide workgroups:
// the UNet's segments are small (4..256 values) and many, so fewer, busier
// workgroups beat one per segment.
override SEGMENTS: u32 = 1u;

@compute @workgroup_size(WG)
fn several_segments_per_workgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                                  @builtin(local_invocation_index) lid: u32) {
  let first = (wid.x + wid.y * nwg.x) * SEGMENTS;
  let end = min(first + SEGMENTS, p.segments_total);
  for (var seg = first; seg < end; seg++) { normalise_segment(seg, lid); }
}
