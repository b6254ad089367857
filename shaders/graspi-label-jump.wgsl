// Pointer jumping: each voxel's label becomes its label's label.
@group(0) @binding(1) var<storage, read_write> label: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> changed: array<atomic<u32>>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = voxel_index(gid, nwg);
  if (i >= lat.n) { return; }
  let l = atomicLoad(&label[i]);
  let ll = atomicLoad(&label[l]);
  if (ll != l) {
    atomicMin(&label[i], ll);
    atomicStore(&changed[0], 1u);
  }
}
