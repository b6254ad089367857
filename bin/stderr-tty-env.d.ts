export declare const STDERR_TTY_ENV: string;
