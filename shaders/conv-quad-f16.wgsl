// Quads for the conv kernels in the f16 mode: 4 f16 packed in a vec2u. Packed
// f16 needs no shader-f16 (pack2x16float is core WGSL), and on llvmpipe, which
// loads storage lane by lane and component by component, a vec2u load costs
// ~0.7 of a vec4 load.
alias Quad = vec2u;

fn unpackQuad(q: Quad) -> vec4f { return vec4f(unpack2x16float(q.x), unpack2x16float(q.y)); }

fn packQuad(v: vec4f) -> Quad { return vec2u(pack2x16float(v.xy), pack2x16float(v.zw)); }
