// A .wgsl import is its repository path and text (vitest.config.ts and tools/build.mjs load it so),
// which lets a compile error name the file it comes from.
declare module '*.wgsl' {
  const source: import('./kernel/wgsl-source.js').WgslFile;
  export default source;
}
