// The matrix operations of shaders/gemm-subgroup-matrix.wgsl on the
// chromium_experimental_subgroup_matrix builtins (Dawn's
// docs/dawn/features/subgroup_matrix.md). No subgroup arithmetic may join
// them in this shader (an NVIDIA driver crashes on the mix), so there is no
// `enable subgroups`: the extension does not need it in WGSL.
// shaders/gemm-subgroup-matrix-emulated.wgsl is the same interface for
// adapters without the feature (tests on lavapipe).
enable chromium_experimental_subgroup_matrix;

alias LeftMatrix = subgroup_matrix_left<SmScalar, SM_K, SM_M>;
alias RightMatrix = subgroup_matrix_right<SmScalar, SM_N, SM_K>;
alias ResultMatrix = subgroup_matrix_result<f32, SM_N, SM_M>;

fn loadLeft(offset: u32) -> LeftMatrix {
  return subgroupMatrixLoad<LeftMatrix>(&tileA, offset, A_COL_MAJOR, A_STRIDE);
}

fn loadRight(offset: u32) -> RightMatrix {
  return subgroupMatrixLoad<RightMatrix>(&tileB, offset, B_COL_MAJOR, B_STRIDE);
}

fn multiplyAccumulate(left: LeftMatrix, right: RightMatrix, acc: ResultMatrix) -> ResultMatrix {
  return subgroupMatrixMultiplyAccumulate(left, right, acc);
}

fn storeResult(offset: u32, value: ResultMatrix) {
  subgroupMatrixStore(&tileC, offset, value, C_COL_MAJOR, C_STRIDE);
}
