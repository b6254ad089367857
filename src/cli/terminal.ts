import { STDERR_TTY_ENV } from '../../bin/stderr-tty-env.js';

/**
 * Whether stderr ends at a terminal, so that progress may be drawn. bin/mg3d.js
 * runs the CLI with stderr piped through its Dawn-notice filter and says so in the environment.
 */
export function stderrIsTerminal(): boolean {
  return Boolean(process.stderr.isTTY) || process.env[STDERR_TTY_ENV] === '1';
}
