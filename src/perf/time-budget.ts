/**
 * Measuring time allowed to one variant. Each measurement is estimated
 * before it starts and refused when it would end past the budget, so a slow
 * adapter gets fewer rows instead of an hour-long run.
 */
export class TimeBudget {
  private readonly start = performance.now();

  constructor(readonly seconds: number) {}

  get elapsedSeconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  /** Undefined when a measurement estimated at `estimateSeconds` fits, else the reason it does not. */
  refusal(estimateSeconds: number): string | undefined {
    const left = this.seconds - this.elapsedSeconds;
    if (estimateSeconds <= left) return undefined;
    return `over the time budget (estimated ${estimateSeconds.toFixed(0)} s, ${Math.max(0, left).toFixed(0)} s of ${this.seconds} s left)`;
  }
}
