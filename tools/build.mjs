// Bundles the CLI for Node and the engine for browsers; WGSL is inlined as text.
import { build } from 'esbuild';

const common = { bundle: true, format: 'esm', loader: { '.wgsl': 'text' }, sourcemap: true, logLevel: 'warning' };

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  platform: 'node',
  target: 'node20',
  external: ['webgpu'],
  outfile: 'dist/mg3d.mjs',
});
