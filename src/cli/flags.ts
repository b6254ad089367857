import { UsageError } from '../errors.js';

export type FlagKind = 'string' | 'boolean';
export type FlagSpec = Readonly<Record<string, FlagKind>>;
export type ParsedFlags<S extends FlagSpec> = { -readonly [K in keyof S]?: S[K] extends 'boolean' ? boolean : string } & { positional: string[] };

/**
 * Parses `--name value`, `--name=value` and boolean `--name` for one command.
 * Our own parser rather than node:util parseArgs, so that every mistake gets
 * an mg3d message: an unknown flag names the nearest one, a value may start
 * with '-' (negative numbers reach the flag's own range check), and a flag
 * given twice is refused instead of the last one silently winning.
 */
export function parseFlags<S extends FlagSpec>(command: string, args: readonly string[], spec: S, otherCommands: Readonly<Record<string, FlagSpec>> = {}): ParsedFlags<S> {
  const values: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(arg.startsWith('--') ? 2 : 1, eq < 0 ? undefined : eq);
    const kind = Object.hasOwn(spec, name) && arg.startsWith('--') ? spec[name] : undefined;
    if (!kind) throw new UsageError(unknownFlagMessage(command, arg.slice(0, eq < 0 ? undefined : eq), name, spec, otherCommands));
    let value: string | boolean;
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value, got '${arg}'`);
      value = true;
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (Object.hasOwn(values, name)) {
      const was = values[name] === true ? '' : ` ('${values[name]}' and '${value}')`;
      throw new UsageError(`--${name} is given twice${was}; give it once`);
    }
    values[name] = value;
  }
  return { ...values, positional } as ParsedFlags<S>;
}

function unknownFlagMessage(command: string, written: string, name: string, spec: FlagSpec, otherCommands: Readonly<Record<string, FlagSpec>>): string {
  const known = Object.keys(spec);
  const nearest = nearestName(name, known);
  if (nearest) return `${command}: unknown option ${written}; did you mean --${nearest}?`;
  const owners = Object.entries(otherCommands)
    .filter(([other, flags]) => other !== command && Object.hasOwn(flags, name))
    .map(([other]) => other);
  if (owners.length) return `${command}: ${written} is an option of ${owners.join(', ')}, not of ${command}; see mg3d help ${command}`;
  return `${command}: unknown option ${written}; see mg3d help ${command}`;
}

/** The candidate closest to `name` by edit distance, if close enough to be a typo. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
