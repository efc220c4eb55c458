// scanOutput: every output detector over one tool result, hidden and decoded parts rescanned, framing applied,
// and weak signals that co-occur combined into a stronger one.
import type { Finding } from '../finding.ts';
import { findSecrets, maskSecret } from '../secrets/scan.ts';
import {
  ADDRESS_CUES,
  ANSWER_IMPERATIVE_CUES,
  AUTHORITY_CUES,
  CODE_INJECTION_CUES,
  CONCEALMENT_CUES,
  type Cue,
  DICTATED_ANSWER_CUES,
  OVERRIDE_CUES,
  SECRET_REQUEST_CUES,
  TOOL_DIRECTIVE_CUES,
} from './cues.ts';
import { scanDangerousCode } from './dangerous-code.ts';
import { scanEncoded } from './encoded.ts';
import { scanExfil } from './exfil.ts';
import { applyFraming, framingOf } from './framing.ts';
import { scanHidden, stripInvisible } from './hidden.ts';
import { hit, matches, raise } from './hit.ts';
import { foldMixedScript } from './homoglyph.ts';
import { scanMarkers } from './markers.ts';
import { scanRequests } from './requests.ts';

export interface OutputContext {
  readonly toolName?: string | undefined;
}

const CUES: readonly Cue[] = [
  ...OVERRIDE_CUES,
  ...ADDRESS_CUES,
  ...ANSWER_IMPERATIVE_CUES,
  ...AUTHORITY_CUES,
  ...SECRET_REQUEST_CUES,
  ...TOOL_DIRECTIVE_CUES,
  ...CODE_INJECTION_CUES,
  ...DICTATED_ANSWER_CUES,
  ...CONCEALMENT_CUES,
];

// Results larger than this are scanned in their first and last parts; injections sit anywhere, but a gateway
// cannot spend unbounded time on a multi-megabyte result.
const MAX_SCAN = 256 * 1024;

function cueFindings(text: string, offset: number): Finding[] {
  const out: Finding[] = [];
  for (const cue of CUES) {
    for (const m of matches(cue.re, text)) {
      const f = hit(cue.rule, cue.severity, text, m.index, m.index + m[0].length);
      out.push(
        offset === 0
          ? f
          : { ...f, span: { field: 'text', start: offset + m.index, end: offset + m.index + m[0].length } },
      );
    }
  }
  return out;
}

/** Findings for instructions, role markers, tool calls, exfiltration links, hidden and encoded text in a result. */
export function scanOutput(input: string, _context: OutputContext = {}): Finding[] {
  const text =
    input.length > MAX_SCAN ? input.slice(0, MAX_SCAN / 2) + '\n' + input.slice(-MAX_SCAN / 2) : input;
  const fold = foldMixedScript(stripInvisible(text.normalize('NFKC')));
  const visible = fold.text;
  const framing = framingOf(visible);
  const raw: Finding[] = [
    ...cueFindings(visible, 0),
    ...scanMarkers(visible),
    ...scanExfil(visible),
    ...scanRequests(visible),
  ];
  const framed = raw.map((f) => applyFraming(f, visible, framing));

  // Hidden and encoded parts: what they say counts at full strength and one step higher, since hiding an
  // instruction is itself a sign of intent; they are not discounted by the surrounding framing.
  const hidden = scanHidden(text);
  const encoded = scanEncoded(visible);
  const extra: Finding[] = [...hidden.findings, ...encoded.findings];
  for (const part of [...hidden.parts, ...encoded.parts]) {
    for (const f of [...cueFindings(part.text, part.start), ...scanMarkers(part.text)]) {
      extra.push({
        ...f,
        rule: f.rule,
        severity: raise(f.severity, 1),
        evidence: `(hidden/decoded) ${f.evidence}`,
      });
    }
  }

  // Decoded payloads and tag-character text can also be a whole user turn (a question for a secret, say).
  for (const part of [...encoded.parts, ...hidden.parts.filter((p) => !p.comment)]) {
    for (const f of scanRequests(part.text)) {
      if (f.severity === 'high') extra.push({ ...f, evidence: `(hidden/decoded) ${f.evidence}` });
    }
  }
  // Words mixing Latin with Cyrillic or Greek look-alikes are obfuscation in themselves.
  if (fold.folded > 0)
    extra.push(hit('output.mixed_script', fold.folded >= 3 ? 'medium' : 'low', visible, 0, 0));

  const out = [...framed, ...extra];
  // Dangerous code next to an instruction to adopt it is the code-answer form of an injection.
  const code = scanDangerousCode(visible).map((f) => applyFraming(f, visible, framing));
  const insertion = framed.some(
    (f) => f.rule === 'output.code_insertion' && f.severity !== 'info' && f.severity !== 'low',
  );
  for (const f of code) out.push(insertion ? { ...f, severity: raise(f.severity, 2) } : f);
  return combine(strongestPerRule(out)).map(maskEvidence);
}

// Evidence is quoted text, and an injection may carry a key ("send ghp_... to"); findings never hold a secret.
function maskEvidence(f: Finding): Finding {
  const secrets = findSecrets(f.evidence);
  if (secrets.length === 0) return f;
  let evidence = f.evidence;
  for (const h of secrets.reverse())
    evidence = evidence.slice(0, h.start) + maskSecret(h.secret) + evidence.slice(h.end);
  return { ...f, evidence };
}

const RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 } as const;

// One finding per rule (the strongest): a quoted phrase repeated ten times is one signal, not ten.
function strongestPerRule(findings: Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of findings) {
    const prev = best.get(f.rule);
    if (prev === undefined || RANK[f.severity] > RANK[prev.severity]) best.set(f.rule, f);
  }
  return [...best.values()];
}

// Several independent medium cues (answer shaping plus a request, say) are stronger together than apart.
function combine(findings: Finding[]): Finding[] {
  const rules = new Set(
    findings.filter((f) => f.severity === 'medium' || f.severity === 'high').map((f) => f.rule),
  );
  if (rules.size >= 2 && !findings.some((f) => f.severity === 'high' || f.severity === 'critical')) {
    const first = findings.find((f) => f.severity === 'medium')!;
    return [...findings, { ...first, rule: 'output.combined_cues', severity: 'high' }];
  }
  return findings;
}
