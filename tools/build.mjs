// Bundles the CLI and the library for Node, and the engine for browsers; WGSL is inlined
// as { file, code } (tools/wgsl-plugin.mjs).
// `node tools/build.mjs` builds everything; `node tools/build.mjs web` only the
// browser bundle and the demo page (dist/web/); `node tools/build.mjs cli` only
// the CLI bundle (the CLI tests run it).
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';
import { wgslFile } from './wgsl-plugin.mjs';

const common = { bundle: true, format: 'esm', plugins: [wgslFile], sourcemap: true, logLevel: 'warning' };
// platform 'browser' makes any node: import a build error: the browser path must not need Node.
const browser = { ...common, platform: 'browser', target: 'es2022' };
const only = process.argv[2];
const ENGINE = 'microgen3d.mjs';
// Installed packages the Node bundles load at run time: Dawn and resvg are native; vega and vega-lite stay
// out so the report's plotting loads the installed copies.
const NODE_EXTERNALS = ['webgpu', '@resvg/resvg-js', 'vega', 'vega-lite'];

const nodeBundle = { ...common, platform: 'node', target: 'node20', external: NODE_EXTERNALS };
const cliBundle = { ...nodeBundle, entryPoints: ['src/cli/main.ts'], outfile: 'dist/mg3d.mjs' };
if (only === 'cli') {
  await build(cliBundle);
  process.exit(0);
}
if (only !== 'web') {
  await build(cliBundle);
  await build({ ...nodeBundle, entryPoints: ['src/index.ts'], outfile: 'dist/index.mjs' });
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
