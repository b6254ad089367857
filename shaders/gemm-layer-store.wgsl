// The output of a GEMM layer (src/ops/gemm-layer.ts) from the product
// C [rows][cols]: row b * voxels + q (input voxel q of sample b), column
// o * taps + t (output channel o, kernel tap t = (td * kernel + th) * kernel + tw)
// goes to output voxel kernel * q + (td, th, tw) of the channel-first y
// [B][channels][taps * voxels], plus the bias, through the activation.
// A linear layer is the case kernel = 1, one voxel. One invocation per value.
struct Params {
  total: u32,
  channels: u32,
  taps: u32,
  kernel: u32,
  cols: u32,
  voxels: u32,
  inH: u32,
  inW: u32,
  firstRow: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = elementwise_index(gid, nwg);
  if (i >= p.total) { return; }
  let used = p.channels * p.taps;
  let col = i % used;
  let local = i / used;
  let row = p.firstRow + local;
  let o = col / p.taps;
  let t = col % p.taps;
  let k = p.kernel;
  let q = row % p.voxels;
  let qw = q % p.inW;
  let qh = (q / p.inW) % p.inH;
  let qd = q / (p.inW * p.inH);
  let outH = k * p.inH;
  let outW = k * p.inW;
  let voxel = ((k * qd + t / (k * k)) * outH + k * qh + (t / k) % k) * outW + k * qw + t % k;
  var v = c[local * p.cols + col];
  if (p.hasBias != 0u) { v += bias[o]; }
  y[((row / p.voxels) * p.channels + o) * p.taps * p.voxels + voxel] = activate(v);
}
