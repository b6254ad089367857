#!/usr/bin/env node
// Runs a command with its stderr passed through, minus the two notices Dawn
// prints from native code each time it opens a Vulkan adapter whose driver
// reports more dynamic buffers than Dawn supports (lavapipe, RADV, NVIDIA):
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 ...
// They come from Dawn's adapter set-up (Limits.cpp), before any device or
// limit is requested, and no API or toggle turns them off; only the file
// descriptor they go to can be filtered. mg3d runs its engine through this;
// `npm test` runs vitest through it (`node bin/without-dawn-notices.js CMD ARGS`).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { STDERR_TTY_ENV } from './stderr-tty-env.js';

const NOTICE = /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const NOTICE_START = 'Warning: maxDynamic';

/**
 * Spawns `command args` (stdin and stdout inherited), forwards its stderr
 * without Dawn's notices, and resolves to its exit code. Ctrl-C reaches the
 * child from the terminal directly (same process group), so it is not
 * forwarded (a second SIGINT means "stop now" to mg3d); SIGTERM and SIGHUP are.
 * @param {string} command
 * @param {readonly string[]} args
 * @returns {Promise<number>}
 */
export function runWithoutDawnNotices(command, args) {
  const env = { ...process.env };
  if (process.stderr.isTTY) env[STDERR_TTY_ENV] = '1';
  const child = spawn(command, args, { stdio: ['inherit', 'inherit', 'pipe'], env });
  const ignore = () => {};
  const forward = (/** @type {NodeJS.Signals} */ signal) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (/** @type {string} */ chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    const kept = lines.filter((line) => !NOTICE.test(line));
    let text = kept.length ? kept.join('\n') + '\n' : '';
    // A partial line that may become a notice waits for its end; anything else (a progress bar) goes out now.
    if (!(NOTICE_START.startsWith(pending) || pending.startsWith(NOTICE_START))) {
      text += pending;
      pending = '';
    }
    if (text) process.stderr.write(text);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      if (pending && !NOTICE.test(pending)) process.stderr.write(pending);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: node bin/without-dawn-notices.js COMMAND [ARGS...]');
    process.exit(2);
  }
  process.exitCode = await runWithoutDawnNotices(command === 'node' ? process.execPath : command, args);
}
