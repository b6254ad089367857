// Components start as singletons touching no electrode. Path lengths start at the sources: 0 for
// donors on the anode plane and acceptors on the cathode plane (de), and for donors next to an
// acceptor the interface vertex's edge, half the shortest donor-acceptor edge (dg).
@group(0) @binding(2) var<storage, read_write> label: array<u32>;
@group(0) @binding(3) var<storage, read_write> electrode: array<u32>;
@group(0) @binding(4) var<storage, read_write> de: array<f32>;
@group(0) @binding(5) var<storage, read_write> dg: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = voxel_index(gid, nwg);
  if (i >= lat.n) { return; }
  label[i] = i;
  electrode[i] = 0u;
  let ph = phase_of(i);
  let c = coords(i);
  let on_own_electrode = (ph == 0u && c.z == lat.nw - 1) || (ph == 1u && c.z == 0);
  de[i] = select(UNREACHED, 0.0, on_own_electrode);
  var edge = UNREACHED;
  if (ph == 0u) {
    for (var k = 0u; k < stencil_size(); k++) {
      let o = offset(k);
      let j = neighbour(c, o);
      if (j >= 0 && phase_of(u32(j)) == 1u) { edge = min(edge, lat.half_len[kind_of(o)]); }
    }
  }
  dg[i] = edge;
}
