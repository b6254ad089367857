// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), bit-exact with Random123's philox4x32 at 10 rounds: a counter-based
// generator, so any value is computed from (counter, key) alone, with no state.
const PHILOX_M0 = 0xD2511F53u;
const PHILOX_M1 = 0xCD9E8D57u;
const PHILOX_W0 = 0x9E3779B9u;
const PHILOX_W1 = 0xBB67AE85u;

// The full 64-bit product as (hi, lo), assembled from 16-bit halves: WGSL has no u64.
fn mul_hi_lo(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  let carry = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2u(ah * bh + (lh >> 16u) + (hl >> 16u) + (carry >> 16u), a * b);
}

fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mul_hi_lo(PHILOX_M0, c.x);
    let p1 = mul_hi_lo(PHILOX_M1, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2u(PHILOX_W0, PHILOX_W1);
  }
  return c;
}

// One N(0, 1) draw by Box-Muller from one Philox block. The radius uniform
// lies in (0, 1], never 0, and takes 48 bits near zero so the tail reaches
// 8.2 sigma; the angle stays in [-pi, pi), where cos is most accurate.
fn philox_normal(counter: vec4u, key: vec2u) -> f32 {
  let r = philox4x32_10(counter, key);
  let u = f32(r.x >> 8u) * 0x1p-24f + (f32(r.y >> 8u) + 1.0) * 0x1p-48f;
  let angle = f32(r.z >> 8u) * 0x1p-24f * 6.28318530717958648 - 3.14159265358979324;
  return sqrt(-2.0 * log(u)) * cos(angle);
}
