/** A WGSL file as imported (`import x from '../../shaders/x.wgsl'`): its path in the repository and its text. */
export interface WgslFile {
  readonly file: string;
  readonly code: string;
}

/** One kernel's WGSL, composed from its parts, with the way back from a line to the part it came from. */
export interface Shader {
  /** The kernel's name: unique, so it keys the pipeline cache. */
  readonly name: string;
  readonly code: string;
  readonly entryPoint: string;
  /** 'shaders/norm.wgsl:42' for line `line` (1-based) of `code`. */
  locate(line: number): string;
}

// Directives must precede every declaration of a module, so composition
// lifts them out of the parts: no part has to come first for its directives' sake.
const DIRECTIVE = /^\s*(enable|requires|diagnostic)\b[^;]*;\s*(\/\/.*)?$/;

interface Segment {
  /** First line of `code` (1-based) that belongs to the segment. */
  start: number;
  file: string;
  /** The segment's first line in its file. */
  fileLine: number;
}

/**
 * The parts joined in order, their directives (deduplicated) first. Parts are
 * listed in dependency order: each uses only what the parts before it declare
 * (test/kernel/kernels.test.ts compiles every prefix).
 */
export function composeShader(name: string, parts: readonly WgslFile[], entryPoint = 'main'): Shader {
  const directives: string[] = [];
  const directiveSegments: Segment[] = [];
  const bodyLines: string[] = [];
  const bodySegments: Segment[] = [];
  for (const part of parts) {
    const lines = part.code.replace(/\n$/, '').split('\n');
    lines.forEach((line, i) => {
      if (!DIRECTIVE.test(line)) return;
      const directive = line.trim();
      if (!directives.includes(directive)) {
        directiveSegments.push({ start: directives.length + 1, file: part.file, fileLine: i + 1 });
        directives.push(directive);
      }
      // The line stays, emptied, so that the part's line numbers do not move.
      lines[i] = '';
    });
    bodySegments.push({ start: bodyLines.length + 1, file: part.file, fileLine: 1 });
    bodyLines.push(...lines);
  }
  const offset = directives.length;
  const segments = [...directiveSegments, ...bodySegments.map((s) => ({ ...s, start: s.start + offset }))];
  return {
    name,
    entryPoint,
    code: `${[...directives, ...bodyLines].join('\n')}\n`,
    locate(line: number): string {
      const segment = [...segments].reverse().find((s) => s.start <= line);
      if (!segment) return `${name}:${line}`;
      // A directive segment is one line long; a part's lines run on.
      const isDirective = directiveSegments.includes(segment);
      return `${segment.file}:${isDirective ? segment.fileLine : segment.fileLine + line - segment.start}`;
    },
  };
}

/** A compiler message placed in its source file, e.g. "shaders/norm.wgsl:42:7: error: unresolved value 'x'". */
export function describeCompileMessage(shader: Shader, m: GPUCompilationMessage): string {
  const where = m.lineNum > 0 ? `${shader.locate(m.lineNum)}:${m.linePos}` : shader.name;
  return `${where}: ${m.type}: ${m.message}`;
}

/** The value of `const NAME = 123u;` (or i / f / no suffix) in a WGSL file: how the host reads codes a shader defines. */
export function wgslConstant(source: WgslFile, name: string): number {
  const match = new RegExp(`^\\s*const\\s+${name}\\s*(?::\\s*\\w+\\s*)?=\\s*(-?[0-9.]+)[uif]?\\s*;`, 'm').exec(source.code);
  if (!match) throw new Error(`${source.file}: no 'const ${name} = <number>;'`);
  return Number(match[1]);
}
