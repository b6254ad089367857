// Hooking: for each same-phase pair with different labels, the larger label's voxel takes the
// smaller (atomicMin). Labels stay voxel indices of the same component and only decrease.
@group(0) @binding(2) var<storage, read_write> label: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> changed: array<atomic<u32>>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = voxel_index(gid, nwg);
  if (i >= lat.n) { return; }
  let ph = phase_of(i);
  let c = coords(i);
  for (var k = 0u; k < stencil_size() / 2u; k++) {
    let j = neighbour(c, offset(k));
    if (j < 0 || phase_of(u32(j)) != ph) { continue; }
    let a = atomicLoad(&label[i]);
    let b = atomicLoad(&label[u32(j)]);
    if (a != b) {
      atomicMin(&label[max(a, b)], min(a, b));
      atomicStore(&changed[0], 1u);
    }
  }
}
