// loadRows for shaders/gemm.wgsl without subgroups: every invocation loads
// all the rows' values it needs.

struct Lane {
  @builtin(local_invocation_index) lid: u32,
}

// Values k .. k+3 of rows row0 .. row0 + ROWS - 1 (as columns); `at`: the matrix's quad k of row 0.
fn loadRows(lane: Lane, at: u32, row0: u32) -> array<mat4x4f, 2> {
  let first = mat4x4f(rowQuad(at, row0), rowQuad(at, row0 + 1u), rowQuad(at, row0 + 2u), rowQuad(at, row0 + 3u));
  return array(first, mat4x4f(rowQuad(at, row0 + 4u), rowQuad(at, row0 + 5u), rowQuad(at, row0 + 6u), rowQuad(at, row0 + 7u)));
}
