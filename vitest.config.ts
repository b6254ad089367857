import { defineConfig } from 'vitest/config';

// WGSL files are imported as text everywhere; esbuild does the same for the
// CLI and browser bundles (loader '.wgsl': 'text').
export default defineConfig({
  plugins: [
    {
      name: 'wgsl-text',
      transform(code: string, id: string) {
        if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
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
