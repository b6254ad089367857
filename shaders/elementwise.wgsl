// The shape shared by elementwise kernels: one invocation per value,
// ELEMENTWISE_WORKGROUP invocations per workgroup, workgroups folded into y
// past the per-dimension limit (elementwiseGrid in src/ops/elementwise.ts,
// which reads the size from here).
const ELEMENTWISE_WORKGROUP = 256u;

fn elementwise_index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * ELEMENTWISE_WORKGROUP;
}
