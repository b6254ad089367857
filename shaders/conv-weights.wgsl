// The weight layout of the direct conv kernel (shaders/conv3d.wgsl;
// uploadWeight in src/ops/conv-core.ts):
// [channel group][i][kd][kh][kw][CHANNELS_PER_GROUP output channels], so that
// one Quad holds 4 output channels of one tap. A workgroup owns one channel
// group: two Quads per tap.
const CHANNELS_PER_GROUP = 8u;
