// Set by bin/without-dawn-notices.js for the command it runs when its own stderr
// is a terminal: the command's stderr is then a pipe, yet progress should still draw.
export const STDERR_TTY_ENV = 'MG3D_STDERR_IS_TTY';
