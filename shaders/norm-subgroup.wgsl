// lane_sum and the entry point for shaders/norm.wgsl when the workgroup is
// no wider than the smallest subgroup, so it lies in one subgroup: no
// workgroup memory, no barrier.
enable subgroups;

override WG: u32 = 8u;

// `lid` only keeps the plain variant's signature.
fn lane_sum(v: vec2f, lid: u32) -> vec2f {
  return subgroupAdd(v);
}

// SEGMENTS consecutive segments per workgroup: the UNet's segments are small
// (4..256 values) and many, so fewer, busier workgroups beat one per segment.
override SEGMENTS: u32 = 1u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let first = (wid.x + wid.y * nwg.x) * SEGMENTS;
  let end = min(first + SEGMENTS, p.segments_total);
  for (var seg = first; seg < end; seg++) { normalise_segment(seg, lid); }
}
