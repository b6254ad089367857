import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';

// A WGSL import is { file, code }: its repository path and text (src/wgsl.d.ts);
// tools/build.mjs loads it the same way for the CLI and browser bundles.
export default defineConfig({
  plugins: [
    {
      name: 'wgsl-file',
      transform(code: string, id: string) {
        if (!id.endsWith('.wgsl')) return undefined;
        const file = relative(import.meta.dirname, id).split('\\').join('/');
        return { code: `export default ${JSON.stringify({ file, code })};`, map: null };
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One GPU device per worker; lavapipe already uses every core.
    fileParallelism: false,
  },
});
