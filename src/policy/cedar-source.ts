// Splits a .cedar file into its policy statements and maps Cedar's byte offsets back to file, line and column,
// so every parse or validation problem points at the place in the file the operator wrote.

export interface Statement {
  /** The statement's text, annotations included, up to and including its `;`. */
  readonly text: string;
  /** Byte offset of the statement's first character in the file (Cedar reports UTF-8 byte offsets). */
  readonly byteOffset: number;
}

/**
 * The policy statements of `source`, split at every top-level `;` outside strings and comments. Text after the
 * last `;` that is not only whitespace or comments is returned as a statement too, so the parser can report it.
 */
export function splitStatements(source: string): Statement[] {
  const statements: Statement[] = [];
  let start = -1;
  let i = 0;
  const push = (end: number) => {
    const text = source.slice(start, end);
    statements.push({ text, byteOffset: Buffer.byteLength(source.slice(0, start)) });
    start = -1;
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '/' && source[i + 1] === '/') {
      const newline = source.indexOf('\n', i);
      i = newline === -1 ? source.length : newline + 1;
      continue;
    }
    if (start === -1 && /\s/.test(ch)) {
      i++;
      continue;
    }
    if (start === -1) start = i;
    if (ch === '"') {
      i = endOfString(source, i);
      continue;
    }
    if (ch === ';') push(i + 1);
    i++;
  }
  if (start !== -1) push(source.length);
  return statements;
}

/** The index just past the string literal that opens at `open` (or the end of the source if it never closes). */
function endOfString(source: string, open: number): number {
  let i = open + 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  return source.length;
}

/** Converts UTF-8 byte offsets of one file to 1-based line and column (columns count characters). */
export class LineIndex {
  private readonly bytes: Buffer;
  constructor(source: string) {
    this.bytes = Buffer.from(source, 'utf8');
  }

  position(byteOffset: number): { line: number; column: number } {
    const before = this.bytes
      .subarray(0, Math.max(0, Math.min(byteOffset, this.bytes.length)))
      .toString('utf8');
    const lines = before.split('\n');
    return { line: lines.length, column: [...lines.at(-1)!].length + 1 };
  }
}
