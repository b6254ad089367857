// Marks each component touching the anode plane (bit 1: w = W - 1) or the cathode plane (bit 2: w = 0).
@group(0) @binding(1) var<storage, read> label: array<u32>;
@group(0) @binding(2) var<storage, read_write> electrode: array<atomic<u32>>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = voxel_index(gid, nwg);
  if (i >= lat.n) { return; }
  let w = coords(i).z;
  if (w == lat.nw - 1) { atomicOr(&electrode[label[i]], 1u); }
  if (w == 0) { atomicOr(&electrode[label[i]], 2u); }
}
