// The interface of shaders/gemm-subgroup-matrix-builtins.wgsl without the
// subgroup-matrix feature, so that the tiling runs on any adapter (tests on
// lavapipe): every invocation holds the whole matrix in private memory and
// does the whole operation, with the builtins' semantics. Load and store map
// entry (r, c) to offset + r * stride + c (row-major) or offset + c * stride
// + r (column-major); multiply-accumulate takes products of the SmScalar
// inputs in f32 and sums them in f32. Every invocation stores the same
// values, as the subgroup does once.

// Entry (r, c) of a matrix with `cols` columns is e[r * cols + c].
struct LeftMatrix { e: array<SmScalar, SM_M * SM_K> }
struct RightMatrix { e: array<SmScalar, SM_K * SM_N> }
struct ResultMatrix { e: array<f32, SM_M * SM_N> }

fn tileIndex(offset: u32, r: u32, c: u32, colMajor: bool, stride: u32) -> u32 {
  return offset + select(r * stride + c, c * stride + r, colMajor);
}

fn loadLeft(offset: u32) -> LeftMatrix {
  var m: LeftMatrix;
  for (var r = 0u; r < SM_M; r++) {
    for (var k = 0u; k < SM_K; k++) {
      m.e[r * SM_K + k] = tileA[tileIndex(offset, r, k, A_COL_MAJOR, A_STRIDE)];
    }
  }
  return m;
}

fn loadRight(offset: u32) -> RightMatrix {
  var m: RightMatrix;
  for (var k = 0u; k < SM_K; k++) {
    for (var c = 0u; c < SM_N; c++) {
      m.e[k * SM_N + c] = tileB[tileIndex(offset, k, c, B_COL_MAJOR, B_STRIDE)];
    }
  }
  return m;
}

fn multiplyAccumulate(left: LeftMatrix, right: RightMatrix, acc: ResultMatrix) -> ResultMatrix {
  var out = acc;
  for (var r = 0u; r < SM_M; r++) {
    for (var c = 0u; c < SM_N; c++) {
      var sum = out.e[r * SM_N + c];
      for (var k = 0u; k < SM_K; k++) {
        sum += f32(left.e[r * SM_K + k]) * f32(right.e[k * SM_N + c]);
      }
      out.e[r * SM_N + c] = sum;
    }
  }
  return out;
}

fn storeResult(offset: u32, value: ResultMatrix) {
  for (var r = 0u; r < SM_M; r++) {
    for (var c = 0u; c < SM_N; c++) {
      tileC[tileIndex(offset, r, c, C_COL_MAJOR, C_STRIDE)] = value.e[r * SM_N + c];
    }
  }
}
