// SQL arguments: a read-only query tool must run only the statement kinds it allows. The text is tokenised just
// enough to see every statement: comments and quoted text (strings, quoted identifiers, dollar quotes) are
// skipped, `;` splits statements, and each statement's kind is its first keyword. Ambiguous text (unterminated
// quotes or comments, backslashes inside strings, which dialects read differently) is refused, not guessed.
import { refuse, type Verdict } from './verdict.ts';

export interface SqlRules {
  /** Statement kinds (first keywords, lower case) allowed, e.g. `select`. */
  readonly allow: readonly string[];
}

// Keywords that change data or schema; a WITH statement holding any of them is of that kind too.
const WRITES = new Set([
  'insert',
  'update',
  'delete',
  'merge',
  'upsert',
  'replace',
  'truncate',
  'drop',
  'alter',
  'create',
]);

type Token = { kind: 'word'; text: string } | { kind: 'semicolon' };

/** Tokens of the SQL text (words and statement separators only), or a reason it cannot be read safely. */
export function sqlTokens(sql: string): Verdict<Token[]> {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '#') {
      // MySQL line comment.
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return refuse('the SQL has an unterminated comment');
      // Nested comments (PostgreSQL) and MySQL's executable /*! ... */ comments are read differently by dialects.
      if (sql.slice(i + 2, end).includes('/*') || (next === '*' && sql[i + 2] === '!')) {
        return refuse('the SQL has a nested or executable comment');
      }
      i = end + 2;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) return refuse('the SQL has an unterminated quote');
        if (sql[j] === '\\') return refuse('the SQL has a backslash inside quotes');
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag === undefined) {
        i++;
        continue;
      }
      const end = sql.indexOf(tag, i + tag.length);
      if (end === -1) return refuse('the SQL has an unterminated dollar quote');
      i = end + tag.length;
    } else if (ch === ';') {
      tokens.push({ kind: 'semicolon' });
      i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))![0];
      tokens.push({ kind: 'word', text: word.toLowerCase() });
      i += word.length;
    } else {
      i++;
    }
  }
  return { ok: true, value: tokens };
}

/** The kinds of every statement in the SQL text (first keyword; WITH statements also list writes they hold). */
export function statementKinds(sql: string): Verdict<string[][]> {
  const tokens = sqlTokens(sql);
  if (!tokens.ok) return tokens;
  const statements: string[][] = [];
  let words: string[] = [];
  const flush = () => {
    if (words.length === 0) return;
    const kinds = [words[0]!];
    if (words[0] === 'with') {
      // Without tracking parentheses, every read or write keyword the statement holds counts as its kind.
      for (const w of words) if ((w === 'select' || WRITES.has(w)) && !kinds.includes(w)) kinds.push(w);
    }
    statements.push(kinds);
    words = [];
  };
  for (const token of tokens.value) {
    if (token.kind === 'semicolon') flush();
    else words.push(token.text);
  }
  flush();
  return { ok: true, value: statements };
}

/** Vets a SQL argument: every statement's kind must be allowed (a WITH statement by what it does). */
export function vetSql(sql: string, rules: SqlRules): Verdict<string> {
  const kinds = statementKinds(sql);
  if (!kinds.ok) return kinds;
  if (kinds.value.length === 0) return refuse('the SQL holds no statement');
  const allow = new Set(rules.allow.map((k) => k.toLowerCase()));
  // WITH itself is only a prefix: the statement is judged by the kinds it holds.
  allow.add('with');
  for (const statementKindList of kinds.value) {
    for (const kind of statementKindList) {
      if (!allow.has(kind)) return refuse(`the SQL holds a ${kind} statement, which is not allowed`);
    }
  }
  return { ok: true, value: sql };
}
