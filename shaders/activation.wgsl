// The activation a kernel fuses, chosen by the ACT override; the host reads
// the codes below (src/ops/activation.ts).
override ACT: u32 = ACT_NONE;

const ACT_NONE = 0u;
const ACT_RELU = 1u;
// LeakyReLU with slope 0.2, the only one the model uses.
const ACT_LEAKY_RELU = 2u;
// Exact erf form, as torch.nn.GELU().
const ACT_GELU = 3u;
const ACT_TANH = 4u;
const ACT_SIGMOID = 5u;

// erfc from Numerical Recipes' Chebyshev fit: relative error < 1.2e-7 for
// every argument, so GELU stays float32-exact for negative inputs too.
fn erfc_nonneg(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
          t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(-z * z + p);
}

fn erfc_f32(z: f32) -> f32 {
  if (z >= 0.0) { return erfc_nonneg(z); }
  return 2.0 - erfc_nonneg(-z);
}

fn gelu(x: f32) -> f32 {
  return 0.5 * x * erfc_f32(-x * 0.70710678118654752);
}

// exp(-2|x|) form: never overflows, unlike sinh/cosh.
fn tanh_safe(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn activate(x: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return max(x, 0.0); }
    case ACT_LEAKY_RELU: { return select(0.2 * x, x, x >= 0.0); }
    case ACT_GELU: { return gelu(x); }
    case ACT_TANH: { return tanh_safe(x); }
    case ACT_SIGMOID: { return 1.0 / (1.0 + exp(-x)); }
    default: { return x; }
  }
}
