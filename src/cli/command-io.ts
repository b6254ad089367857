/** Where a command writes: results on stdout, diagnostics (adapter, warnings, notices) on stderr. */
export interface CommandIo {
  out: (line: string) => void;
  warn: (line: string) => void;
}
