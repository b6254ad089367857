import { expect } from 'vitest';
import { FormatError } from '../../src/errors.js';

/** Asserts that `action` throws a one-line FormatError naming `file` and matching `problem`. */
export function expectFormatError(action: () => unknown, file: string, problem: RegExp): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(FormatError);
  const message = (thrown as FormatError).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  expect(message).not.toContain('\n');
  expect(message).toMatch(problem);
}
