// GroupNorm (InstanceNorm when every channel is its own group), then an
// optional per-channel affine and the fused activation. One workgroup per
// (batch, group); the group's channels are contiguous in NCDHW, so a group is
// one run of `group_len` values.
override AFFINE: bool = false;

struct P {
  groups_total: u32,
  groups_per_sample: u32,
  group_len: u32,
  spatial: u32,
  channels_per_group: u32,
  eps: f32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// Without AFFINE the wrapper binds x here too; these are then never read.
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const WG = 256u;
var<workgroup> partial: array<vec2f, WG>;

fn workgroup_sum(v: vec2f, lid: u32) -> vec2f {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  // The next call overwrites partial[0] while slower threads may still read it.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let grp = wid.x + wid.y * nwg.x;
  if (grp >= p.groups_total) { return; }
  let base = grp * p.group_len;
  let n = f32(p.group_len);

  var s = 0.0;
  for (var i = lid; i < p.group_len; i += WG) { s += x[base + i]; }
  let rough_mean = workgroup_sum(vec2f(s, 0.0), lid).x / n;

  // Corrected two-pass: the deviations' own sum repairs the rounding of the
  // first mean, which matters when the mean is large against the spread.
  var dev = vec2f(0.0);
  for (var i = lid; i < p.group_len; i += WG) {
    let d = x[base + i] - rough_mean;
    dev += vec2f(d, d * d);
  }
  let sums = workgroup_sum(dev, lid);
  let shift = sums.x / n;
  let mean = rough_mean + shift;
  let variance = max(sums.y / n - shift * shift, 0.0);
  let rstd = 1.0 / sqrt(variance + p.eps);

  let first_channel = (grp % p.groups_per_sample) * p.channels_per_group;
  for (var i = lid; i < p.group_len; i += WG) {
    var v = (x[base + i] - mean) * rstd;
    if (AFFINE) {
      let c = first_channel + i / p.spatial;
      v = v * weight[c] + bias[c];
    }
    y[base + i] = activate(v);
  }
}
