#!/usr/bin/env node
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/mg3d.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('mg3d: dist/mg3d.mjs is missing; run `npm install` (or `npm run build`) in the project folder first');
  process.exit(2);
}
await import(bundle.href);
