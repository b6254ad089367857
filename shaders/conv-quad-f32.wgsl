// Quads for the conv kernels in f32: 4 values as a vec4f (src/ops/conv-core.ts picks this or
// shaders/conv-quad-f16.wgsl by the weights' dtype).
alias Quad = vec4f;

fn unpackQuad(q: Quad) -> vec4f { return q; }

fn packQuad(v: vec4f) -> Quad { return v; }
