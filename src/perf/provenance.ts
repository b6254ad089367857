import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };

/** Which engine made a measurement: the package version, and the git commit when run from a checkout. */
export interface Provenance {
  version: string;
  /** HEAD of the checkout the engine runs from; null outside a git checkout (an installed package). */
  commit: string | null;
  /** Whether the checkout had uncommitted changes, so the commit alone does not say what ran. */
  dirty: boolean | null;
}

export function engineProvenance(): Provenance {
  const here = dirname(fileURLToPath(import.meta.url));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const outside = { version: packageJson.version, commit: null, dirty: null };
  try {
    // Installed under node_modules of another project's checkout, git would name that project's commit.
    const top = git('rev-parse', '--show-toplevel');
    if ((JSON.parse(readFileSync(join(top, 'package.json'), 'utf8')) as { name?: string }).name !== packageJson.name) return outside;
    return { version: packageJson.version, commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return outside;
  }
}
