@group(0) @binding(0) var<storage, read_write> state: StepState;

@compute @workgroup_size(1)
fn main() {
  state.step += 1u;
}
