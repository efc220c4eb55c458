// Markdown images and links whose URL carries data: a rendered image is fetched with no click, so a query string
// holding long or encoded values (or a template placeholder for the agent to fill) is an exfiltration channel.
import type { Finding } from '../finding.ts';
import { hit, matches } from './hit.ts';

// The URL is taken atomically (`(?=(...))\1`): without it an unclosed `(` makes the engine retry every shorter URL.
const MD_IMAGE = /!\[[^\]\n]{0,200}\]\([ \t]{0,8}<?(?=(https?:\/\/[^\s)>]{1,2000}))\1>?[^)\n]{0,100}\)/gi;
const MD_LINK = /(?<!!)\[[^\]\n]{0,200}\]\([ \t]{0,8}<?(?=(https?:\/\/[^\s)>]{1,2000}))\1>?[^)\n]{0,100}\)/gi;
const HTML_IMG = /<img\b[^>]{0,300}?\bsrc\s*=\s*["']?(https?:\/\/[^\s"'>]{1,2000})/gi;
// A placeholder the agent is meant to fill: {data}, {{secret}}, $API_KEY, <conversation>, [INSERT ...].
const PLACEHOLDER =
  /(?:\{\{?[^}]{1,40}\}\}?|\$[A-Z_]{3,}|<[a-z_ ]{3,40}>|\[(?:insert|put|add|include)[^\]]{0,40}\]|%7B[^%]{1,40}%7D)/i;
const LONG_VALUE = /^[A-Za-z0-9+/=_%.-]{24,}$/;

/** How strongly a URL looks like it carries data in its query or fragment (0 none, 1 weak, 2 strong). */
export function urlDataWeight(url: string): number {
  const q = url.search(/[?#]/);
  if (q < 0) return PLACEHOLDER.test(url) ? 2 : 0;
  const query = url.slice(q + 1);
  if (PLACEHOLDER.test(query)) return 2;
  let weight = 0;
  for (const pair of query.split(/[&;#]/)) {
    const value = pair.slice(pair.indexOf('=') + 1);
    // An inline image (a badge's logo as a data: URI) is content, not data taken from the conversation.
    if (/^data(?::|%3A)image/i.test(value)) continue;
    if (LONG_VALUE.test(value) && !/^\d+$/.test(value)) {
      // Encoded data (base64, percent-encoded text) rather than an id: mixed character classes or % escapes.
      const mixed = /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value);
      weight = Math.max(
        weight,
        mixed || /%[0-9A-F]{2}.*%[0-9A-F]{2}/i.test(value) || value.length >= 64 ? 2 : 1,
      );
    }
  }
  return weight;
}

/** Markdown/HTML images and links whose URL carries data. */
export function scanExfil(text: string): Finding[] {
  const out: Finding[] = [];
  for (const [re, isImage] of [
    [MD_IMAGE, true],
    [HTML_IMG, true],
    [MD_LINK, false],
  ] as const) {
    for (const m of matches(re, text)) {
      const weight = urlDataWeight(m[1]!);
      if (weight === 0) continue;
      const severity = isImage ? (weight === 2 ? 'critical' : 'medium') : weight === 2 ? 'medium' : 'low';
      out.push(hit('output.markdown_exfiltration', severity, text, m.index, m.index + m[0].length));
    }
  }
  return out;
}
