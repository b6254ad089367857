// y = act(x W^T + b) for x (batch, in) and W re-laid as wt (in, out4 / 4)
// vec4 columns, zero-padded to out4 outputs. A workgroup owns 64 outputs
// (16 column quads along x) for 4 batch rows and splits the in-features
// across its 16 rows of threads: small batches (the time and context
// embeddings) are bound by reading W, so W must be read by many threads at
// once. Each thread keeps a 4-row x 4-output block in registers.
override HAS_BIAS: bool = true;

struct P { batch: u32, in_features: u32, out_features: u32, quads: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<vec4f>;
// Without HAS_BIAS the wrapper binds wt here too; it is then never read.
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const QUADS = 16u;
const SLICES = 16u;
const ROWS = 4u;
// Two of the four rows' partial sums at a time keeps this at 8 KiB.
var<workgroup> partial: array<array<vec4f, 2>, QUADS * SLICES>;

fn store(row: u32, col: u32, v: vec4f) {
  for (var c = 0u; c < 4u; c++) {
    let j = col + c;
    if (j < p.out_features) {
      var r = v[c];
      if (HAS_BIAS) { r += bias[j]; }
      y[row * p.out_features + j] = activate(r);
    }
  }
}

@compute @workgroup_size(QUADS, SLICES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let quad = wid.x * QUADS + lid.x;
  let row0 = wid.y * ROWS;
  // Rows past the batch repeat the last one; their sums are never stored.
  var xrow: array<u32, 4>;
  for (var r = 0u; r < ROWS; r++) { xrow[r] = min(row0 + r, p.batch - 1u) * p.in_features; }

  var acc: array<vec4f, 4>;
  if (quad < p.quads) {
    for (var k = lid.y; k < p.in_features; k += SLICES) {
      let w = wt[k * p.quads + quad];
      acc[0] += x[xrow[0] + k] * w;
      acc[1] += x[xrow[1] + k] * w;
      acc[2] += x[xrow[2] + k] * w;
      acc[3] += x[xrow[3] + k] * w;
    }
  }

  let slot = lid.y * QUADS + lid.x;
  for (var half = 0u; half < 2u; half++) {
    partial[slot] = array<vec4f, 2>(acc[2u * half], acc[2u * half + 1u]);
    workgroupBarrier();
    if (lid.y < 2u && quad < p.quads) {
      let row = row0 + 2u * half + lid.y;
      var sum = vec4f(0.0);
      for (var s = 0u; s < SLICES; s++) { sum += partial[s * QUADS + lid.x][lid.y]; }
      if (row < p.batch) { store(row, quad * 4u, sum); }
    }
    workgroupBarrier();
  }
}
