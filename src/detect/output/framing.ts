// Mention versus use. A security article that quotes "ignore previous instructions" is talking *about* an attack,
// not issuing one. Two signals lower a finding: the document reads as third-person discussion of attacks, and the
// hit sits inside quotation (quote marks, code, a blockquote, or after "for example", "attackers may write").
import type { Finding } from '../finding.ts';
import { lower } from './hit.ts';

// Vocabulary of writing *about* attacks and defences; an injected instruction does not describe itself this way.
const DISCUSSION =
  /\b(?:attack(?:s|er|ers|ed)?|adversar(?:y|ial)|malicious|injection|poison(?:ing|ed)|vulnerabilit(?:y|ies)|exploit(?:s|ed|ation)?|threat(?:s)?|detect(?:s|ed|ion|or|ors)?|scanner|mitigat(?:e|es|ion)|guardrails?|jailbreak(?:s|ing)?|red[- ]team(?:ing)?|payloads?|taxonomy|severity|false positives?|security (?:risk|issue|finding|research|team)|CVE-\d{4})\b/gi;
const EXAMPLE_LEAD =
  /(?:\b(?:for example|for instance|e\.g\.|such as|like|example|examples|sample|phrases?|strings?|patterns?|payload|text like|wording like|pattern like)\s*[:,]?\s*["'“‘`]?$|\b(?:attackers?|adversar(?:y|ies)|malicious (?:servers?|tools?|actors?|content|documents?|pages?)|an? (?:attacker|injection))\b[^.\n]{0,60}\b(?:may|might|can|could|often|would|will|typically|usually)?\s*(?:write|use|embed|include|insert|hide|say|add|contain|place|put|inject)s?\b[^.\n]{0,40}$)/i;

export interface Framing {
  /** 0..1: how much the document reads as discussion of attacks. */
  readonly discussion: number;
  /** Character ranges that are quoted or code. */
  readonly quoted: readonly (readonly [number, number])[];
}

/** Document-level framing computed once per text. */
export function framingOf(text: string): Framing {
  const seen = new Set<string>();
  DISCUSSION.lastIndex = 0;
  for (let m = DISCUSSION.exec(text); m !== null; m = DISCUSSION.exec(text)) {
    seen.add(m[0].toLowerCase().replace(/(?:s|er|ers|ed|ing|ion|ors?|ies|y)$/, ''));
  }
  const headings = (text.match(/^#{1,6} \S/gm) ?? []).length;
  const discussion = Math.min(1, (seen.size + Math.min(headings, 2)) / 6);
  const quoted: [number, number][] = [];
  const ranges =
    /```[\s\S]*?(?:```|(?![\s\S]))|`[^`\n]{1,300}`|"[^"\n]{1,300}"|“[^”\n]{1,300}”|'[^'\n]{8,300}'|^[ \t]*>[^\n]*$/gm;
  for (let m = ranges.exec(text); m !== null; m = ranges.exec(text))
    quoted.push([m.index, m.index + m[0].length]);
  return { discussion, quoted };
}

function insideQuote(f: Framing, start: number, end: number): boolean {
  for (const [a, b] of f.quoted) if (a <= start && end <= b) return true;
  return false;
}

/** A finding weakened by the framing it sits in (quoted, exemplified, or in a document discussing attacks). */
export function applyFraming(finding: Finding, text: string, f: Framing): Finding {
  const span = finding.span;
  if (span === undefined) return finding;
  let steps = 0;
  const lead = text.slice(Math.max(0, span.start - 120), span.start);
  // Code-related findings live in code by nature; only the document's discussion framing weakens them.
  const codeRule = finding.rule === 'output.code_insertion' || finding.rule === 'output.dangerous_code';
  const quoted = !codeRule && insideQuote(f, span.start, span.end);
  // Quotation marks or a code fence alone do not make a mention (an attacker can fence a payload too); they count
  // when the document talks about attacks, or when the text introduces the quote as an example.
  const example = !codeRule && EXAMPLE_LEAD.test(lead);
  if (example || (quoted && f.discussion >= 0.3)) steps++;
  if (f.discussion >= 0.5) steps++;
  if (f.discussion >= 0.5 && quoted) steps++;
  return steps === 0 ? finding : { ...finding, severity: lower(finding.severity, steps) };
}
