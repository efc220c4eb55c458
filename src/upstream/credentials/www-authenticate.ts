// Parsing WWW-Authenticate (RFC 9110 §11.6.1): a list of challenges, each a scheme followed by auth-params.
// Only what MCP authorization reads is needed (Bearer's scope, error, resource_metadata), but a header may carry
// several challenges (e.g. DPoP and Bearer), so the parser keeps them apart.

export interface Challenge {
  readonly scheme: string;
  /** Parameter names lower-cased; the first occurrence of a name wins. */
  readonly params: Readonly<Record<string, string>>;
}

/** A header longer than this is not a challenge we act on. */
const MAX_HEADER = 8 * 1024;
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

export function parseWwwAuthenticate(header: string | undefined): Challenge[] {
  if (header === undefined || header.length > MAX_HEADER) return [];
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = [];
  let i = 0;
  const skipSpace = () => {
    while (header[i] === ' ' || header[i] === '\t') i++;
  };
  const match = (pattern: RegExp): string => {
    pattern.lastIndex = i;
    const found = pattern.exec(header);
    if (!found) return '';
    i += found[0].length;
    return found[0];
  };
  const quoted = (): string => {
    let value = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote (or end)
    return value;
  };
  while (i < header.length) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const token = match(TOKEN);
    if (!token) {
      i++; // not something we understand: skip a character and resynchronise
      continue;
    }
    skipSpace();
    const current = challenges.at(-1);
    if (header[i] === '=' && current) {
      i++;
      skipSpace();
      const value = header[i] === '"' ? quoted() : match(TOKEN68);
      const name = token.toLowerCase();
      if (!(name in current.params)) current.params[name] = value;
      continue;
    }
    challenges.push({ scheme: token, params: {} });
  }
  return challenges;
}

/** The Bearer challenge of a header, if any. */
export function bearerChallenge(header: string | undefined): Challenge | undefined {
  return parseWwwAuthenticate(header).find((c) => c.scheme.toLowerCase() === 'bearer');
}
