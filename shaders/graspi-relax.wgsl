// One relaxation sweep of both shortest-path fields through same-phase voxels, in place: de (donors
// to the anode, acceptors to the cathode; the two sets are disjoint) and dg (donors to the interface
// vertex). Distances are non-negative float32, whose bit patterns order like u32, so atomicMin on
// the bits keeps the smaller distance. Sums are float32 as GraSPI's Dijkstra makes them; sweeping
// until nothing changes reaches the same fixed point as Dijkstra, whatever the order.
@group(0) @binding(2) var<storage, read_write> de: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> dg: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> changed: array<atomic<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = voxel_index(gid, nwg);
  if (i >= lat.n) { return; }
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
  if (best_e < cur_e) {
    atomicMin(&de[i], bitcast<u32>(best_e));
    atomicStore(&changed[0], 1u);
  }
  if (best_g < cur_g) {
    atomicMin(&dg[i], bitcast<u32>(best_g));
    atomicStore(&changed[0], 1u);
  }
}
