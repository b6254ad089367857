import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let built = false;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/mg3d.js as a user would (the CLI bundle rebuilt once per test file from the current sources). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  if (!built) {
    execFileSync(process.execPath, ['tools/build.mjs', 'cli'], { cwd: REPO, stdio: 'inherit' });
    built = true;
  }
  const child = spawn(process.execPath, ['bin/mg3d.js', ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
