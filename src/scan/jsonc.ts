// JSON with comments and trailing commas, as VS Code and Zed write their settings. Comments and trailing commas are
// removed outside strings (a comment between a trailing comma and its bracket is not looked through); the rest goes
// to JSON.parse, so everything else is as strict as JSON.

/** Parses JSONC; throws SyntaxError like JSON.parse. */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (ch === ',' && /^\s*[}\]]/.test(text.slice(i + 1, i + 200))) {
      i++; // a trailing comma
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out);
}

/** Index just after the string literal that starts at `start` (unterminated: the end of the text). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return text.length;
}
