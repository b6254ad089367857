// Bundles the CLI and the library for Node, and the engine for browsers; WGSL is inlined
// as { file, code } (tools/wgsl-plugin.mjs).
// `node tools/build.mjs` builds everything; `node tools/build.mjs web` only the
// browser bundle and the demo page (dist/web/).
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';
import { wgslFile } from './wgsl-plugin.mjs';

const common = { bundle: true, format: 'esm', plugins: [wgslFile], sourcemap: true, logLevel: 'warning' };
// platform 'browser' makes any node: import a build error: the browser path must not need Node.
const browser = { ...common, platform: 'browser', target: 'es2022' };
const webOnly = process.argv[2] === 'web';
const ENGINE = 'microgen3d.mjs';

if (!webOnly) {
  await build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    platform: 'node',
    target: 'node20',
    external: ['webgpu'],
    outfile: 'dist/mg3d.mjs',
  });
  await build({
    ...common,
    entryPoints: ['src/index.ts'],
    platform: 'node',
    target: 'node20',
    external: ['webgpu'],
    outfile: 'dist/index.mjs',
  });
}

await build({ ...browser, entryPoints: ['src/browser.ts'], outfile: `dist/browser/${ENGINE}` });

// The demo imports the engine bundle above instead of bundling its own copy,
// so the page runs exactly what browser users of the engine get.
const engineBundleImport = {
  name: 'engine-bundle-import',
  setup(b) {
    b.onResolve({ filter: /\/src\/browser\.js$/ }, () => ({ path: `./${ENGINE}`, external: true }));
  },
};
await build({ ...browser, entryPoints: ['web/demo.ts'], outfile: 'dist/web/demo.js', plugins: [wgslFile, engineBundleImport] });
await mkdir('dist/web', { recursive: true });
for (const file of [ENGINE, `${ENGINE}.map`]) await copyFile(`dist/browser/${file}`, `dist/web/${file}`);
for (const file of ['index.html', 'style.css']) await copyFile(`web/${file}`, `dist/web/${file}`);
