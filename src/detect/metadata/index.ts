// The metadata scan: every string of a tool definition, normalised, run through each detector family, with hidden
// (tag) and encoded (base64, hex, percent) text decoded and scanned again. Pure: no I/O, no clock.

import type { Finding } from '../finding.ts';
import { combineSignals } from './combinations.ts';
import { CONCEALMENT_RULES } from './concealment.ts';
import { CREDENTIAL_RULES } from './credentials.ts';
import { decodePayloads } from './encoded.ts';
import { EXFIL_PARAM_RULES, EXFIL_TEXT_RULES } from './exfiltration.ts';
import { type Field, type ToolMetadata, toolFields } from './fields.ts';
import { INSTRUCTION_RULES } from './instructions.ts';
import { lookalikeName } from './names.ts';
import { normalizeText } from './normalize.ts';
import { hiddenCharacters, OBFUSCATION_RULES } from './obfuscation.ts';
import { PREFERENCE_RULES, promotionalTone } from './preference.ts';
import { maskSecrets, type Rule, runRules } from './rule.ts';
import { SHADOWING_RULES } from './shadowing.ts';

export type { ToolMetadata } from './fields.ts';

export interface MetadataContext {
  /** Names of the other tools of the session (for look-alike names). */
  readonly otherTools: readonly string[];
}

const PROSE_RULES: readonly Rule[] = [
  ...INSTRUCTION_RULES,
  ...CONCEALMENT_RULES,
  ...CREDENTIAL_RULES,
  ...EXFIL_TEXT_RULES,
  ...SHADOWING_RULES,
  ...PREFERENCE_RULES,
];

function scanProse(field: string, text: string, out: Finding[]): void {
  runRules(PROSE_RULES, field, text, out);
  promotionalTone(field, text, out);
}

function scanField(f: Field, out: Finding[]): void {
  const tagText = hiddenCharacters(f.path, f.text, out);
  if (tagText) scanProse(`${f.path}#tags`, tagText, out);
  if (f.kind === 'name') {
    if (f.path !== 'name') runRules(EXFIL_PARAM_RULES, f.path, normalizeText(f.text), out);
    return;
  }
  runRules(OBFUSCATION_RULES, f.path, f.text, out);
  const text = normalizeText(f.text);
  scanProse(f.path, text, out);
  for (const d of decodePayloads(text)) {
    out.push({
      rule: 'meta.encoded_payload',
      severity: 'medium',
      evidence: `${d.encoding}: ${maskSecrets(d.text.replace(/\s+/g, ' '))}`.slice(0, 200),
      span: { field: f.path, start: d.start, end: d.end },
    });
    scanProse(`${f.path}#${d.encoding}`, normalizeText(d.text), out);
  }
}

/** Findings for one tool definition: every string scanned; the name compared with the session's other tools. */
export function scanToolMetadata(tool: ToolMetadata, context: MetadataContext): Finding[] {
  const out: Finding[] = [];
  if (typeof tool.name === 'string') lookalikeName(tool.name, context.otherTools, out);
  for (const f of toolFields(tool)) scanField(f, out);
  combineSignals(out);
  return out;
}
