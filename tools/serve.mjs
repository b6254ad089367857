// A tiny read-only static server for the demo page (dist/web/) and, under URL
// prefixes, model or fixture folders, so the page can load them by URL.
//
//   node tools/serve.mjs [--port N] [--models DIR] [--mount /prefix/=DIR ...]
//
// Port: --port, else $PORT, else 8080; 0 picks a free one. Listens on 127.0.0.1
// only: WebGPU needs a secure context, which loopback origins are. /fixtures/
// maps to ../shared/fixtures when that folder exists. Prints the URL once ready.
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function parseArgs(argv) {
  const mounts = new Map([['/', resolve(repoRoot, 'dist/web')]]);
  const fixtures = resolve(repoRoot, '../shared/fixtures');
  if (existsSync(fixtures)) mounts.set('/fixtures/', fixtures);
  let port = Number(process.env.PORT ?? 8080);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--port') port = Number(value);
    else if (flag === '--models') mounts.set('/models/', resolve(value));
    else if (flag === '--mount') {
      const prefix = value.slice(0, value.indexOf('='));
      const dir = value.slice(prefix.length + 1);
      if (!prefix.startsWith('/') || !prefix.endsWith('/') || !dir) throw new Error(`--mount wants /prefix/=DIR, got '${value}'`);
      mounts.set(prefix, resolve(dir));
    } else throw new Error(`unknown flag ${flag} (flags: --port N, --models DIR, --mount /prefix/=DIR)`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be 0..65535, got ${port}`);
  for (const [prefix, dir] of mounts) if (!existsSync(dir)) throw new Error(`${dir} (for ${prefix}) does not exist${prefix === '/' ? ': run npm run build:web first' : ''}`);
  return { port, mounts };
}

/** The file a URL path names, or undefined when it lies outside every mounted folder. */
async function fileFor(urlPath, mounts) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const prefix = [...mounts.keys()].filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
  if (!prefix) return undefined;
  const root = await realpath(mounts.get(prefix)).catch(() => undefined);
  if (!root) return undefined;
  let file = resolve(root, `.${sep}${path.slice(prefix.length)}`);
  if (path.endsWith('/')) file = resolve(file, 'index.html');
  // realpath also catches symbolic links that point out of the folder.
  const real = await realpath(file).catch(() => undefined);
  if (!real || !(real === root || real.startsWith(root + sep))) return undefined;
  const info = await stat(real);
  return info.isFile() ? { path: real, size: info.size } : undefined;
}

function serve(mounts) {
  return createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = await fileFor(pathname, mounts).catch(() => undefined);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file.path).on('error', () => res.destroy()).pipe(res);
  });
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`serve: ${error.message}`);
  process.exit(2);
}
const { port, mounts } = options;
const server = serve(mounts);
server.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/`;
  console.log(`serving ${url}`);
  for (const [prefix, dir] of mounts) console.log(`  ${prefix} -> ${dir}`);
});
