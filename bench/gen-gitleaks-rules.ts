// Generates src/detect/secrets/gitleaks-rules.ts from gitleaks' default config (gitleaks/gitleaks
// config/gitleaks.toml @ b58d3f10, MIT licence, Copyright (c) 2019 Zachary Rice), so Rampart ships a compiled rule
// table and reads nothing from ../shared at run time. Run once after updating the source:
//   node bench/gen-gitleaks-rules.ts ../shared/data/rules/gitleaks/gitleaks.toml > src/detect/secrets/gitleaks-rules.ts
// Go RE2 syntax is rewritten for JavaScript: a leading (?i) becomes the `i` flag, an inner (?i) becomes a scoped
// (?i:...) group, POSIX classes become ranges and \z becomes $. Rules matching only file paths are dropped (a tool
// result has no path), as are path-only allowlists.
// Usage as above; the output is then formatted by `biome check --write`.
import { readFileSync } from 'node:fs';

interface Allow {
  regexes: string[];
  stopwords: string[];
  target: string;
  paths: boolean;
}
interface Rule {
  id: string;
  regex?: string;
  entropy?: number;
  keywords: string[];
  secretGroup?: number;
  path?: string;
  allow: Allow[];
}

// Minimal TOML reader for the subset gitleaks.toml uses: tables, arrays of tables, '''literal''' and "basic"
// strings, numbers and (multi-line) arrays of strings.
function parseStrings(src: string): string[] {
  const out: string[] = [];
  const re = /'''([\s\S]*?)'''|"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) out.push(m[1] ?? JSON.parse(`"${m[2]}"`));
  return out;
}

function parse(toml: string): { global: Allow; rules: Rule[] } {
  const global: Allow = { regexes: [], stopwords: [], target: 'secret', paths: false };
  const rules: Rule[] = [];
  let section: 'global' | 'rule' | 'allow' | 'other' = 'other';
  const lines = toml.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === '[allowlist]') section = 'global';
    else if (line === '[[rules]]') {
      rules.push({ id: '', keywords: [], allow: [] });
      section = 'rule';
    } else if (line === '[[rules.allowlists]]') {
      rules.at(-1)!.allow.push({ regexes: [], stopwords: [], target: 'secret', paths: false });
      section = 'allow';
    } else if (line.startsWith('[')) section = 'other';
    else {
      const eq = line.indexOf('=');
      const key = line.slice(0, eq).trim();
      let value = line.slice(eq + 1).trim();
      if (value.startsWith('[') && !value.endsWith(']')) {
        while (!lines[i]!.trim().endsWith(']')) value += '\n' + lines[++i]!;
      }
      const rule = rules.at(-1);
      const allow = section === 'global' ? global : section === 'allow' ? rule!.allow.at(-1)! : undefined;
      if (section === 'rule' && rule !== undefined) {
        if (key === 'id') rule.id = parseStrings(value)[0]!;
        else if (key === 'regex') rule.regex = parseStrings(value)[0]!;
        else if (key === 'entropy') rule.entropy = Number(value);
        else if (key === 'keywords') rule.keywords = parseStrings(value).map((k) => k.toLowerCase());
        else if (key === 'secretGroup') rule.secretGroup = Number(value);
        else if (key === 'path') rule.path = parseStrings(value)[0]!;
      } else if (allow !== undefined) {
        if (key === 'regexes') allow.regexes = parseStrings(value);
        else if (key === 'stopwords') allow.stopwords = parseStrings(value);
        else if (key === 'regexTarget') allow.target = parseStrings(value)[0]!;
        else if (key === 'paths') allow.paths = true;
      }
    }
  }
  return { global, rules };
}

const POSIX: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  digit: '0-9',
  xdigit: '0-9A-Fa-f',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  word: '\\w',
};

// The index just past the group enclosing `from` (or the pattern's end), skipping escapes and classes.
function groupEnd(src: string, from: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return src.length;
}

/** Go regex source to a JavaScript source and flags. */
export function toJs(go: string): { source: string; flags: string } {
  let src = go;
  let flags = '';
  if (src.startsWith('(?i)')) {
    flags = 'i';
    src = src.slice(4);
  }
  for (let at = src.indexOf('(?i)'); at >= 0; at = src.indexOf('(?i)')) {
    const end = groupEnd(src, at + 4);
    src = `${src.slice(0, at)}(?i:${src.slice(at + 4, end)})${src.slice(end)}`;
  }
  src = src.replace(/\[:(\w+):\]/g, (_, name: string) => POSIX[name] ?? `[:${name}:]`);
  src = src.replace(/\\z/g, '$').replace(/\\A/g, '^');
  src = src.replace(/\(\?P</g, '(?<');
  // In RE2 a `]` first in a class is literal; in JavaScript `[^]` is "any character".
  src = src.replace(/(?<!\\)\[(\^?)\]/g, '[$1\\]');
  new RegExp(src, flags); // throws if the translation is not valid JavaScript
  return { source: src, flags };
}

function allowOut(a: Allow): string {
  const regexes = a.regexes.map((r) => {
    const js = toJs(r);
    return `/${js.source.replace(/\//g, '\\/')}/${js.flags}`;
  });
  return `{ target: ${JSON.stringify(a.target)}, regexes: [${regexes.join(', ')}], stopwords: ${JSON.stringify(a.stopwords)} }`;
}

const path = process.argv[2] ?? '../shared/data/rules/gitleaks/gitleaks.toml';
const { global, rules } = parse(readFileSync(path, 'utf8'));
const out: string[] = [];
out.push(
  '// GENERATED by bench/gen-gitleaks-rules.ts from gitleaks config/gitleaks.toml (gitleaks/gitleaks @ b58d3f10).',
);
out.push(
  '// gitleaks is MIT licensed, Copyright (c) 2019 Zachary Rice; the rules below are a translation of its regexes,',
);
out.push('// entropy thresholds, keywords and allowlists. Do not edit by hand: regenerate.');
out.push("import type { SecretRule, SecretAllow } from './rule.ts';");
out.push('');
out.push(`export const GLOBAL_ALLOW: SecretAllow = ${allowOut(global)};`);
out.push('');
out.push('export const GITLEAKS_RULES: readonly SecretRule[] = [');
let skipped = 0;
for (const r of rules) {
  // A rule tied to a file path (its regex only means a secret in, say, a .tf file) cannot apply to a tool result.
  if (r.regex === undefined || r.path !== undefined) {
    skipped++;
    continue;
  }
  const js = toJs(r.regex);
  const allow = r.allow.filter((a) => !a.paths || a.regexes.length > 0 || a.stopwords.length > 0);
  const fields = [
    `id: ${JSON.stringify(r.id)}`,
    `re: /${js.source.replace(/\//g, '\\/')}/${js.flags}g`,
    `keywords: ${JSON.stringify(r.keywords)}`,
  ];
  if (r.entropy !== undefined) fields.push(`entropy: ${r.entropy}`);
  if (r.secretGroup !== undefined) fields.push(`secretGroup: ${r.secretGroup}`);
  if (allow.length > 0) fields.push(`allow: [${allow.map(allowOut).join(', ')}]`);
  out.push(`  { ${fields.join(', ')} },`);
}
out.push('];');
out.push(`// ${rules.length - skipped} rules (${skipped} rules tied to file paths dropped).`);
process.stdout.write(out.join('\n') + '\n');
