// Every count the descriptors need, one pass over the voxels: per-workgroup atomics, then one global
// atomicAdd per counter (indices C_* from src/descriptors/gpu-measure.ts), donors per plane w after
// them, and each workgroup's DISS weight sum (float32, summed in float64 on the host).
@group(0) @binding(2) var<storage, read> label: array<u32>;
@group(0) @binding(3) var<storage, read> electrode: array<u32>;
@group(0) @binding(4) var<storage, read> de: array<f32>;
@group(0) @binding(5) var<storage, read> dg: array<f32>;
// tort1 limits per plane (src/descriptors/assemble.ts straightPathLimits): anode's W, then cathode's W.
@group(0) @binding(6) var<storage, read> limits: array<f32>;
@group(0) @binding(7) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read_write> diss_partial: array<f32>;

var<workgroup> local_counts: array<atomic<u32>, NUM_COUNTERS>;
var<workgroup> local_diss: array<f32, WORKGROUP>;

fn count(counter: u32) {
  atomicAdd(&local_counts[counter], 1u);
}

// Whether voxel j (of phase ph) is in a component touching its own electrode.
fn reaches_electrode(j: u32, ph: u32) -> bool {
  let bit = select(select(0u, 2u, ph == 1u), 1u, ph == 0u);
  return (electrode[label[j]] & bit) != 0u;
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u) {
  if (lid < NUM_COUNTERS) { atomicStore(&local_counts[lid], 0u); }
  workgroupBarrier();
  let i = voxel_index(gid, nwg);
  var diss = 0.0;
  if (i < lat.n) {
    let ph = phase_of(i);
    let c = coords(i);
    let own = reaches_electrode(i, ph);
    let root = label[i] == i;
    if (ph == 0u) {
      count(C_donors);
      atomicAdd(&counters[NUM_COUNTERS + u32(c.z)], 1u);
      if (c.z == lat.nw - 1) { count(C_donorsAtAnode); }
      if (own) { count(C_donorsInAnodeComponents); }
      if (root) { count(C_componentsD); }
      if (root && own) { count(C_componentsDAnode); }
    } else if (ph == 1u) {
      count(C_acceptors);
      if (c.z == 0) { count(C_acceptorsAtCathode); }
      if (own) { count(C_acceptorsInCathodeComponents); }
      if (root) { count(C_componentsA); }
      if (root && own) { count(C_componentsACathode); }
    } else {
      count(C_mixed);
      if (root) { count(C_componentsM); }
    }
    if (ph <= 1u) {
      var interface_voxel = false;
      for (var k = 0u; k < stencil_size(); k++) {
        let o = offset(k);
        let j = neighbour(c, o);
        if (j < 0) { continue; }
        let pj = phase_of(u32(j));
        if (pj + ph != 1u) { continue; }
        interface_voxel = true;
        // A face pair is counted from the voxel whose positive-half offset reaches the other.
        if (k < stencil_size() / 2u && kind_of(o) == 1u) {
          count(C_faceInterfaces);
          if (own && reaches_electrode(u32(j), pj)) { count(C_connectedFaceInterfaces); }
        }
      }
      if (interface_voxel && own) { count(select(C_interfaceAcceptorsCathode, C_interfaceDonorsAnode, ph == 0u)); }
      if (ph == 0u) {
        let d = dg[i];
        if (d > 0.0 && d < 10.0) {
          count(C_dissCount);
          let x = (d + 23.0) / 17.17;
          diss = 6.265 * exp(-x * x);
        }
        if (de[i] < limits[u32(c.z)]) { count(C_straightD); }
      } else if (de[i] < limits[u32(lat.nw + c.z)]) {
        count(C_straightA);
      }
    }
  }
  local_diss[lid] = diss;
  workgroupBarrier();
  for (var s = WORKGROUP / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { local_diss[lid] += local_diss[lid + s]; }
    workgroupBarrier();
  }
  if (lid < NUM_COUNTERS) {
    let v = atomicLoad(&local_counts[lid]);
    if (v != 0u) { atomicAdd(&counters[lid], v); }
  }
  if (lid == 0u) { diss_partial[wid.x + wid.y * nwg.x] = local_diss[0]; }
}
