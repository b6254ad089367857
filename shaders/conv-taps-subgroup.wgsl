// loadTaps for shaders/conv3d.wgsl where subgroups have at least 8 lanes:
// every invocation of a workgroup needs the same weights, so lanes 0..5 of a
// subgroup each load one of the 6 vec4s and broadcast it, instead of every
// lane loading all 6 (each load is a per-lane loop on llvmpipe).
enable subgroups;

struct Lane {
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_invocation_id) id: u32,
}

// This lane's share: window tap id / 2 of channel vec4 id % 2.
struct LaneTaps { offset: u32, valid: vec3<bool> }

fn weightTaps(lane: Lane, cls: ConvClass) -> LaneTaps {
  let share = min(lane.id, 5u);
  let taps = tapsAlongW(cls, share % 2u);
  return LaneTaps(taps.offset[share / 2u], taps.valid);
}

// Window taps 0..2 along w of one (i, kd, kh) for 8 output channels, as two
// matrices of 4 channels; missing taps are zero.
fn loadTaps(lane: Lane, at: u32, along: LaneTaps) -> array<mat3x4f, 2> {
  let mine = unpackQuad(w[at + along.offset]);
  let v = along.valid;
  let zero = vec4f();
  return array(
    mat3x4f(select(zero, subgroupBroadcast(mine, 0u), v.x), select(zero, subgroupBroadcast(mine, 2u), v.y),
            select(zero, subgroupBroadcast(mine, 4u), v.z)),
    mat3x4f(select(zero, subgroupBroadcast(mine, 1u), v.x), select(zero, subgroupBroadcast(mine, 3u), v.y),
            select(zero, subgroupBroadcast(mine, 5u), v.z)));
}
