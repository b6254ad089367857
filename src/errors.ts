/** A file that is not what it claims to be; the message names the file and the problem. */
export class FormatError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'FormatError';
  }
}

/** Arguments or inputs that do not fit the model; the message says what was expected. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** No usable WebGPU adapter, a lost device, or a GPU computation that produced non-finite values. */
export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}
