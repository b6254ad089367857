// One relaxation sweep of both shortest-path fields through same-phase voxels, in place: de (donors
// to the anode, acceptors to the cathode; the two sets are disjoint) and dg (donors to the interface
// vertex). Distances are non-negative float32, whose bit patterns order like u32, so atomicMin on
// the bits keeps the smaller distance. Sums are float32 as GraSPI's Dijkstra makes them; sweeping
// until nothing changes reaches the same fixed point as Dijkstra, whatever the order.
//
// Wavefront: a workgroup owns one tile of WORKGROUP voxels and relaxes it only if its tile or a
// neighbouring one changed in the previous sweep (stamp >= sweep - 1); a changed tile stamps itself
// with the current sweep. So each sweep costs about the tiles the fronts cross, not the volume.
@group(0) @binding(2) var<storage, read_write> de: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> dg: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> changed: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> stamp: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read> sweep: array<u32>;

var<workgroup> tile_active: u32;

// Tiles, and voxels in a tile, are visited with w (the electrode axis) slowest, forwards on odd sweeps
// and backwards on even ones: within a thread's run of workgroups, an update made early in a sweep
// is read later in the same sweep, so the fronts leaving both electrodes each cross many voxels per sweep.
fn tile_coords(t: u32) -> vec3i {
  let tt = i32(t);
  return vec3i((tt / lat.tiles.y) % lat.tiles.x, tt % lat.tiles.y, tt / (lat.tiles.x * lat.tiles.y));
}

// The tile at offset o, -1 past a non-wrapping side.
fn tile_neighbour(t: vec3i, o: vec3i) -> i32 {
  var n = t + o;
  if (n.z < 0 || n.z >= lat.tiles.z) { return -1; }
  if (n.x < 0 || n.x >= lat.tiles.x) {
    if (lat.wrap_d == 0u) { return -1; }
    n.x = (n.x + lat.tiles.x) % lat.tiles.x;
  }
  if (n.y < 0 || n.y >= lat.tiles.y) {
    if (lat.wrap_h == 0u) { return -1; }
    n.y = (n.y + lat.tiles.y) % lat.tiles.y;
  }
  return (n.z * lat.tiles.x + n.x) * lat.tiles.y + n.y;
}

fn relax_voxel(i: u32, s: u32, t: u32) {
  let ph = phase_of(i);
  if (ph > 1u) { return; }
  let donor = ph == 0u;
  let c = coords(i);
  let cur_e = bitcast<f32>(atomicLoad(&de[i]));
  let cur_g = select(UNREACHED, bitcast<f32>(atomicLoad(&dg[i])), donor);
  var best_e = cur_e;
  var best_g = cur_g;
  for (var k = 0u; k < stencil_size(); k++) {
    let o = offset(k);
    let j = neighbour(c, o);
    if (j < 0 || phase_of(u32(j)) != ph) { continue; }
    let len = lat.len[kind_of(o)];
    best_e = min(best_e, bitcast<f32>(atomicLoad(&de[u32(j)])) + len);
    if (donor) { best_g = min(best_g, bitcast<f32>(atomicLoad(&dg[u32(j)])) + len); }
  }
  if (best_e < cur_e) { atomicMin(&de[i], bitcast<u32>(best_e)); }
  if (best_g < cur_g) { atomicMin(&dg[i], bitcast<u32>(best_g)); }
  if (best_e < cur_e || best_g < cur_g) {
    atomicStore(&changed[0], 1u);
    atomicMax(&stamp[t], s);
  }
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = sweep[0];
  let forward = (s & 1u) == 1u;
  let visit = wid.x + wid.y * nwg.x;
  let t = select(lat.tile_count - 1u - min(visit, lat.tile_count - 1u), visit, forward);
  let in_tile = select(WORKGROUP - 1u - lid, lid, forward);
  if (lid == 0u) {
    var any_changed = 0u;
    if (visit < lat.tile_count) {
      let tc = tile_coords(t);
      let dh_range = select(1, 0, lat.flat != 0u);
      for (var od = -1; od <= 1; od++) {
        for (var oh = -dh_range; oh <= dh_range; oh++) {
          for (var ow = -1; ow <= 1; ow++) {
            let n = tile_neighbour(tc, vec3i(od, oh, ow));
            if (n >= 0 && atomicLoad(&stamp[u32(n)]) + 1u >= s) { any_changed = 1u; }
          }
        }
      }
    }
    tile_active = any_changed;
  }
  if (workgroupUniformLoad(&tile_active) == 0u) { return; }
  let tc = tile_coords(t);
  let l = i32(in_tile);
  let c = tc * lat.tile.xyz + vec3i((l / lat.tile.y) % lat.tile.x, l % lat.tile.y, l / (lat.tile.x * lat.tile.y));
  if (c.x >= lat.nd || c.y >= lat.nh || c.z >= lat.nw) { return; }
  relax_voxel(u32((c.x * lat.nh + c.y) * lat.nw + c.z), s, t);
}
