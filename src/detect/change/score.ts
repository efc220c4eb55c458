// Change scoring for the rug-pull quarantine: how likely a changed tool definition turned malicious, judged on
// WHAT WAS ADDED (see added-text.ts), so benign drift (typo fixes, rewording, a new optional parameter, more enum
// values) scores low while injected behaviour scores high. Pure: no I/O, no clock.
import { type Finding, SEVERITY_WEIGHT } from '../finding.ts';
import { scanToolMetadata } from '../metadata/index.ts';
import { riskScore } from '../score.ts';
import { type AddedField, addedText } from './added-text.ts';
import { ADVERTISING, ADVERTISING_STRONG, CUES } from './cues.ts';
import { latinize, nameChangeFindings } from './names.ts';
import { parameterFindings } from './parameters.ts';
import { hit, type Weighted } from './weighted.ts';

/** At or above this score a change is reported as risky (tuned on the dev set; see test/detect/change). */
export const CHANGE_THRESHOLD = 0.5;

export interface ChangeScore {
  /**
   * 0..1: the larger of this module's score (independent evidence combined as 1 - Π(1 - w) over the strongest
   * finding of each rule) and the metadata detectors' risk score on the added text.
   */
  readonly score: number;
  readonly findings: Finding[];
}

/** Scores a change of one tool definition from `before` to `after`; `before` undefined scores it all as added. */
export function scoreChange(before: unknown, after: unknown): ChangeScore {
  const weighted: Weighted[] = [];
  const added = addedText(before, after);
  for (const field of added) scanField(field, weighted);
  advertising(added, weighted);
  weighted.push(...parameterFindings(before, after));
  weighted.push(...annotationFindings(before, after));
  weighted.push(...nameChangeFindings(before, after));
  const own = combine(weighted);
  // The metadata detectors read the added text too: a second, independently written rule set. The larger of the
  // two scores counts (not their product), since both often fire on the same words.
  const meta = scanToolMetadata(addedTool(added), { otherTools: [] });
  if (meta.length === 0) return own;
  const merged = [
    ...weighted,
    ...meta.map((finding) => ({ finding, weight: SEVERITY_WEIGHT[finding.severity] })),
  ];
  return {
    score: Math.max(own.score, Math.round(riskScore(meta) * 1000) / 1000),
    findings: combine(merged).findings,
  };
}

/**
 * The added text shaped as a tool for the metadata detectors: added prose as the description, each parameter's
 * added text as that parameter's description (a new parameter keeps its name, which they check as a channel).
 */
function addedTool(added: readonly AddedField[]): {
  name: string;
  description: string;
  inputSchema: unknown;
} {
  const prose: string[] = [];
  const texts = new Map<string, string[]>();
  const isNew = new Set<string>();
  for (const field of added) {
    if (field.field === 'name') continue;
    const param = /^inputSchema\.properties\.([^.#[]+)/.exec(field.field)?.[1];
    if (param === undefined) {
      prose.push(...field.runs);
      continue;
    }
    if (field.field.endsWith('#key')) isNew.add(param);
    else texts.set(param, [...(texts.get(param) ?? []), ...field.runs]);
  }
  // An old parameter's name was approved before: it goes in under a neutral key so only its new text is judged.
  const properties: Record<string, { description: string }> = {};
  let n = 0;
  for (const param of new Set([...isNew, ...texts.keys()])) {
    properties[isNew.has(param) ? param : `p${n++}`] = { description: (texts.get(param) ?? []).join(' … ') };
  }
  return { name: '', description: prose.join(' … '), inputSchema: { type: 'object', properties } };
}

/** Combines weighted findings: per rule the strongest counts once, rules compound as independent evidence. */
export function combine(weighted: readonly Weighted[]): ChangeScore {
  const best = new Map<string, Weighted>();
  for (const w of weighted) {
    const seen = best.get(w.finding.rule);
    if (!seen || w.weight > seen.weight) best.set(w.finding.rule, w);
  }
  let miss = 1;
  for (const w of best.values()) miss *= 1 - Math.min(0.99, w.weight);
  const findings = [...best.values()].sort((a, b) => b.weight - a.weight).map((w) => w.finding);
  return { score: Math.round((1 - miss) * 1000) / 1000, findings };
}

// Zero-width, bidi controls and Unicode tag characters: text the model reads and a reviewer does not see.
const INVISIBLE =
  /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]|[\u{e0000}-\u{e007f}]/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what this finds
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/u;
const BASE64 = /[A-Za-z0-9+/]{40,}={0,2}/gu;

function scanField(field: AddedField, out: Weighted[]): void {
  for (const run of field.runs) {
    if (INVISIBLE.test(run) || ANSI.test(run)) {
      // Evidence shows the hidden characters as escapes: the reviewer must see what the model reads.
      const shown = run.replace(INVISIBLE, (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`);
      out.push(hit('change.hidden_characters', 'high', 0.6, shown, field.field));
    }
    INVISIBLE.lastIndex = 0;
    // Tag characters spell ASCII invisibly: decode them so the hidden words are scanned too.
    const text = run
      .replace(/[\u{e0020}-\u{e007e}]/gu, (c) => String.fromCodePoint((c.codePointAt(0) as number) - 0xe0000))
      .replace(INVISIBLE, '')
      .normalize('NFKC');
    const latin = latinize(text);
    if (latin !== text) out.push(hit('change.homoglyphs', 'high', 0.6, text, field.field));
    scanText(latin, field, out);
    for (const blob of text.match(BASE64) ?? []) {
      const decoded = decodeBase64(blob);
      if (decoded === undefined) continue;
      // Readable prose hidden in base64 is itself a disguise; what it says is scanned as well.
      if ((decoded.match(/\s+/g) ?? []).length >= 3) {
        out.push(hit('change.encoded_payload', 'medium', 0.5, decoded, field.field));
      }
      scanText(decoded, field, out);
    }
  }
}

function scanText(text: string, field: AddedField, out: Weighted[]): void {
  // A property name is an identifier (`read_ssh_key`): read its parts as words.
  const subject = field.field.endsWith('#key')
    ? text.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2')
    : text;
  for (const cue of CUES) {
    const m = cue.re.exec(subject);
    if (m) {
      out.push(
        hit(
          cue.rule,
          cue.severity,
          cue.weight,
          context(subject, m.index, m[0].length),
          field.field,
          field.text,
          m[0],
        ),
      );
    }
  }
}

/** Advertising words are counted over all added prose together: a weak one is style, several are a sales pitch. */
function advertising(added: readonly AddedField[], out: Weighted[]): void {
  const strong = new Set<string>();
  const weak = new Set<string>();
  const evidence: string[] = [];
  for (const field of added) {
    if (field.field.endsWith('#key') || field.field === 'name') continue;
    for (const run of field.runs) {
      for (const [re, seen] of [
        [ADVERTISING_STRONG, strong],
        [ADVERTISING, weak],
      ] as const) {
        for (const m of run.matchAll(re)) {
          const word = m[0].toLowerCase();
          if (!strong.has(word) && !weak.has(word) && evidence.length < 8) evidence.push(m[0]);
          seen.add(word);
        }
      }
    }
  }
  if (strong.size + weak.size === 0) return;
  const weight = Math.min(0.8, 0.5 * strong.size + 0.2 * weak.size);
  const severity = weight >= 0.5 ? 'medium' : 'low';
  out.push(hit('change.preference_advertising', severity, weight, evidence.join(', '), 'description'));
}

function annotationFindings(before: unknown, after: unknown): Weighted[] {
  const a = annotations(before);
  const b = annotations(after);
  const out: Weighted[] = [];
  // MCP defaults: readOnlyHint false, destructiveHint true, openWorldHint true; a flip only counts from an explicit
  // safe value.
  if (a.readOnlyHint === true && b.readOnlyHint !== true) {
    out.push(
      hit(
        'change.annotation_weakened',
        'high',
        0.55,
        'readOnlyHint true -> false',
        'annotations.readOnlyHint',
      ),
    );
  }
  if (a.destructiveHint === false && b.destructiveHint !== false) {
    out.push(
      hit(
        'change.annotation_weakened',
        'high',
        0.55,
        'destructiveHint false -> true',
        'annotations.destructiveHint',
      ),
    );
  }
  if (a.openWorldHint === false && b.openWorldHint !== false) {
    out.push(
      hit(
        'change.annotation_open_world',
        'medium',
        0.35,
        'openWorldHint false -> true',
        'annotations.openWorldHint',
      ),
    );
  }
  return out;
}

function annotations(definition: unknown): Record<string, unknown> {
  if (definition === null || typeof definition !== 'object') return {};
  const value = (definition as Record<string, unknown>).annotations;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function context(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 40);
  return text.slice(start, Math.min(text.length, index + length + 60)).trim();
}

function decodeBase64(blob: string): string | undefined {
  try {
    const text = Buffer.from(blob, 'base64').toString('utf8');
    // Only text is rescanned: random bytes (hashes, keys) decode to mostly non-printable characters.
    const printable = text.replace(/[^\x20-\x7e\s]/g, '').length;
    return printable >= text.length * 0.9 ? text : undefined;
  } catch {
    return undefined;
  }
}
