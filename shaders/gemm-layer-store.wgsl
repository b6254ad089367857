// The output of a GEMM layer (src/ops/gemm-layer.ts) from the product
// C [rows][cols]: row b * voxels + q (input voxel q of sample b), column
// o * taps + t (output channel o, kernel tap t = (td * kernel + th) * kernel + tw)
// goes to output voxel kernel * q + (td, th, tw) of the channel-first y
// [B][channels][taps * voxels], plus the bias, through the activation.
// A linear layer is the case kernel = 1, one voxel. One invocation per row
// and output channel, for all its taps: the index arithmetic, slow on CPU
// adapters, is shared by the block of output voxels that the row makes.
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
  let o = i % p.channels;
  let local = i / p.channels;
  let row = p.firstRow + local;
  let k = p.kernel;
  let q = row % p.voxels;
  let qw = q % p.inW;
  let qh = (q / p.inW) % p.inH;
  let qd = q / (p.inW * p.inH);
  let outH = k * p.inH;
  let outW = k * p.inW;
  var bo = 0.0;
  if (p.hasBias != 0u) { bo = bias[o]; }
  let base = ((row / p.voxels) * p.channels + o) * p.taps * p.voxels;
  let first = local * p.cols + o * p.taps;
  for (var td = 0u; td < k; td++) {
    for (var th = 0u; th < k; th++) {
      let line = base + ((k * qd + td) * outH + k * qh + th) * outW + k * qw;
      let t = (td * k + th) * k;
      for (var tw = 0u; tw < k; tw++) { y[line + tw] = activate(c[first + t + tw] + bo); }
    }
  }
}
