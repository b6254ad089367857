// The esbuild plugin every bundle here uses (tools/build.mjs, bench/run.mjs, tools/gpu-kit.sh):
// a .wgsl import is { file, code }, its repository path and text (src/wgsl.d.ts), as
// vitest.config.ts loads it for tests, so that a compile error can name the file.
import { readFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

export const wgslFile = {
  name: 'wgsl-file',
  setup(b) {
    b.onLoad({ filter: /\.wgsl$/ }, async (args) => {
      const file = relative(root, args.path).split('\\').join('/');
      const code = await readFile(args.path, 'utf8');
      return { contents: `export default ${JSON.stringify({ file, code })};`, loader: 'js' };
    });
  },
};
