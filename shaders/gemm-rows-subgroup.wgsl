// loadRows for shaders/gemm.wgsl where subgroups have at least 8 lanes: every
// invocation of a workgroup needs the same rows, so lane r of a subgroup
// loads row r's vec4 and broadcasts it, instead of every lane loading all
// (each load is a per-lane loop on llvmpipe).
enable subgroups;

struct Lane {
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) id: u32,
}

// Values k .. k+3 of rows row0 .. row0 + ROWS - 1 (as columns); `at`: the matrix's quad k of row 0.
fn loadRows(lane: Lane, at: u32, row0: u32) -> array<mat4x4f, 2> {
  let mine = rowQuad(at, row0 + min(lane.id, ROWS - 1u));
  let first = mat4x4f(subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u), subgroupBroadcast(mine, 2u),
                      subgroupBroadcast(mine, 3u));
  return array(first, mat4x4f(subgroupBroadcast(mine, 4u), subgroupBroadcast(mine, 5u), subgroupBroadcast(mine, 6u),
                              subgroupBroadcast(mine, 7u)));
}
