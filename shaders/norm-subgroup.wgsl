// lane_sum for shaders/norm.wgsl when the workgroup is no wider than the
// smallest subgroup, so it lies in one subgroup: no workgroup memory, no
// barrier.
enable subgroups;

override WG: u32 = 8u;

// `lid` only keeps the plain variant's signature.
fn lane_sum(v: vec2f, lid: u32) -> vec2f {
  return subgroupAdd(v);
}
