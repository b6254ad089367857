import { stderrIsTerminal } from './terminal.js';

/** A one-line progress display on stderr; silent when stderr is not a terminal. */
export class ProgressLine {
  private readonly start = performance.now();
  private lastDraw = 0;
  private readonly enabled = stderrIsTerminal();

  update(p: { stepsDone: number; stepsTotal: number; samplesDone: number; samplesTotal: number }): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && p.stepsDone < p.stepsTotal) return;
    this.lastDraw = now;
    const seconds = (now - this.start) / 1000;
    const rate = p.stepsDone / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? (p.stepsTotal - p.stepsDone) / rate : Infinity;
    const width = 24;
    const filled = Math.round((width * p.stepsDone) / Math.max(p.stepsTotal, 1));
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    process.stderr.write(
      `\r\x1b[2K[${bar}] samples ${p.samplesDone}/${p.samplesTotal}  ${rate.toFixed(1)} steps/s  ETA ${formatDuration(eta)}`,
    );
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
