// lane_sum for shaders/norm.wgsl without subgroups: a tree through workgroup
// memory. WG must be a power of two.
override WG: u32 = 64u;

var<workgroup> partial: array<vec2f, WG>;

fn lane_sum(v: vec2f, lid: u32) -> vec2f {
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
