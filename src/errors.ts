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

/** Longest piece of untrusted text an error message repeats; the rest is cut and counted. */
const QUOTE_LIMIT = 80;

/**
 * Quotes text that came from a file (names, attributes, type strings) for an error
 * message: everything outside printable ASCII is escaped, so that no newline, ANSI
 * escape or bidi control reaches the terminal, and long text is cut, so that a 5 MB
 * name cannot make a 5 MB line.
 */
export function quote(text: string): string {
  const shown = text.length > QUOTE_LIMIT ? text.slice(0, QUOTE_LIMIT) : text;
  const escaped = shown.replace(/[^\x20-\x7e]|['\\]/g, escapeCharacter);
  const cut = text.length > QUOTE_LIMIT ? `...' (${text.length} characters)` : "'";
  return `'${escaped}${cut}`;
}

function escapeCharacter(char: string): string {
  if (char === "'" || char === '\\') return `\\${char}`;
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const code = char.charCodeAt(0);
  return named[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}
