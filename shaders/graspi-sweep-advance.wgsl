// The sweep number graspi-relax.wgsl stamps tiles with, kept on the GPU so that sweeps replay unchanged.
@group(0) @binding(0) var<storage, read_write> sweep: array<u32>;

@compute @workgroup_size(1)
fn main() {
  sweep[0] += 1u;
}
