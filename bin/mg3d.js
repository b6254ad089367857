#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runWithoutDawnNotices } from './without-dawn-notices.js';

const bundle = new URL('../dist/mg3d.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('mg3d: dist/mg3d.mjs is missing; run `npm install` (or `npm run build`) in the project folder first');
  process.exit(2);
}
process.exitCode = await runWithoutDawnNotices(process.execPath, [fileURLToPath(bundle), ...process.argv.slice(2)]);
