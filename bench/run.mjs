// Runs a TypeScript bench script: node bench/run.mjs compare.ts [args]
// Bundles it as the CLI build does (WGSL inlined by tools/wgsl-plugin.mjs) into node_modules/.cache,
// where `webgpu` resolves, then runs the bundle with the remaining arguments.
// import.meta.dirname stays bench/, so scripts find the files beside them.
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { wgslFile } from '../tools/wgsl-plugin.mjs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node bench/run.mjs SCRIPT.ts [args]');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'node_modules', '.cache', 'mg3d-bench');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${basename(script, '.ts')}.mjs`);
await build({
  entryPoints: [join(here, basename(script))],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [wgslFile],
  external: ['webgpu'],
  define: { 'import.meta.dirname': JSON.stringify(here) },
  outfile,
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
try {
  await import(pathToFileURL(outfile).href);
} catch (e) {
  // A wrong option is one line, as in mg3d; anything else keeps its stack.
  if (e?.name !== 'UsageError' && !String(e?.code).startsWith('ERR_PARSE_ARGS')) throw e;
  console.error(`${basename(script)}: ${e.message}`);
  process.exit(2);
}
