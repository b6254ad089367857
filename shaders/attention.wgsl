// Scaled dot-product attention, softmax(q k^T / sqrt(D)) v, for q, k, v
// (B, heads, L, D). One invocation per query row with an online softmax: the
// running maximum m is subtracted before exp, so huge logits cannot overflow,
// and the running sum and output rescale whenever m grows. A workgroup's 64
// queries share a head, so every invocation reads the same key and value row
// at the same time.
override D: u32 = 64u;
const MAX_D = 64u;
const QUERIES_PER_WORKGROUP = 64u;

struct P { heads_times_batch: u32, len: u32, query_blocks: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(QUERIES_PER_WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let head = wid.x / p.query_blocks;
  let query = (wid.x % p.query_blocks) * QUERIES_PER_WORKGROUP + lid;
  if (head >= p.heads_times_batch || query >= p.len) { return; }
  let base = head * p.len * D;
  let qrow = base + query * D;

  var qs: array<f32, MAX_D>;
  for (var c = 0u; c < D; c++) { qs[c] = q[qrow + c] * p.scale; }
  var acc: array<f32, MAX_D>;
  var m = -3.0e38;
  var sum = 0.0;
  for (var j = 0u; j < p.len; j++) {
    let krow = base + j * D;
    var s = 0.0;
    for (var c = 0u; c < D; c++) { s += qs[c] * k[krow + c]; }
    if (s > m) {
      let shrink = exp(m - s);
      sum *= shrink;
      for (var c = 0u; c < D; c++) { acc[c] *= shrink; }
      m = s;
    }
    let weight = exp(s - m);
    sum += weight;
    for (var c = 0u; c < D; c++) { acc[c] += weight * v[krow + c]; }
  }
  let inv = 1.0 / sum;
  for (var c = 0u; c < D; c++) { y[qrow + c] = acc[c] * inv; }
}
