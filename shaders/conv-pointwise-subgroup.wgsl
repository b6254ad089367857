// load8 for shaders/conv-pointwise.wgsl where subgroups have at least 8
// lanes: the whole workgroup reads the same 8 inputs, so lane k of a
// subgroup loads input k and broadcasts it.
enable subgroups;

struct Lane {
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) id: u32,
}

// x[at + k] for k < 8; past `available` the last one again (never stored).
fn load8(lane: Lane, at: u32, available: u32) -> array<f32, 8> {
  let mine = x[at + min(lane.id, available - 1u)];
  return array(subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u), subgroupBroadcast(mine, 2u),
               subgroupBroadcast(mine, 3u), subgroupBroadcast(mine, 4u), subgroupBroadcast(mine, 5u),
               subgroupBroadcast(mine, 6u), subgroupBroadcast(mine, 7u));
}
