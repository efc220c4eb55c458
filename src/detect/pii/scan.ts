// Personal data in text: e-mail, phone numbers (E.164 and common national formats), payment cards (Luhn), IBAN
// (mod 97), national ids (US SSN, UK NINO, DE Steuer-ID, FR NIR, ES DNI/NIE, IN Aadhaar, BR CPF) and IP addresses.
// Where a format is only a digit run, a check digit or a nearby label is required, so order numbers and
// timestamps are not reported.
import { isIPv6 } from 'node:net';
import type { Finding } from '../finding.ts';
import {
  cpfValid,
  dniValid,
  ibanValid,
  luhnValid,
  nirValid,
  ssnValid,
  steuerIdValid,
  verhoeffValid,
} from './checksums.ts';

export type PiiKind =
  | 'email'
  | 'phone'
  | 'payment_card'
  | 'iban'
  | 'us_ssn'
  | 'uk_nino'
  | 'de_steuer_id'
  | 'fr_nir'
  | 'es_dni'
  | 'in_aadhaar'
  | 'br_cpf'
  | 'ipv4'
  | 'ipv6';

export interface PiiHit {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

interface Detector {
  readonly kind: PiiKind;
  readonly re: RegExp;
  /** Accepts the match (checksum, structure); `text` and `at` allow a look at the label before it. */
  readonly valid: (value: string, text: string, at: number) => boolean;
}

function labelled(text: string, at: number, label: RegExp): boolean {
  return label.test(text.slice(Math.max(0, at - 40), at));
}

const digitsOf = (s: string) => s.replace(/\D/g, '');

// Order matters: earlier detectors win overlapping spans (a card number is not also a phone number).
const DETECTORS: readonly Detector[] = [
  {
    kind: 'email',
    re: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g,
    valid: () => true,
  },
  {
    kind: 'payment_card',
    re: /(?<![\d.-])(?:\d{4}[ -]?){2}\d{4}[ -]?\d{1,7}(?![\d-])|(?<![\d.-])3[47]\d{2}[ -]?\d{6}[ -]?\d{5}(?![\d-])/g,
    valid: (v) => {
      const d = digitsOf(v);
      const brand = /^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|2)|35)/;
      const seps = new Set(v.replace(/\d/g, ''));
      return d.length >= 13 && d.length <= 19 && seps.size <= 1 && brand.test(d) && luhnValid(d);
    },
  },
  {
    kind: 'iban',
    re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    valid: (v) => ibanValid(v),
  },
  {
    kind: 'us_ssn',
    re: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])|(?<=\b(?:ssn|social security(?: number)?|SSN)\s*[:#]?\s*)\d{3} ?\d{2} ?\d{4}\b/gi,
    valid: (v) => ssnValid(v),
  },
  {
    kind: 'uk_nino',
    re: /\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g,
    valid: () => true,
  },
  {
    kind: 'fr_nir',
    re: /\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}\b/g,
    valid: (v) => nirValid(v),
  },
  {
    kind: 'es_dni',
    re: /\b(?:[XYZ]-?\d{7}|\d{8})-?[A-Z]\b/g,
    valid: (v) => dniValid(v),
  },
  {
    kind: 'br_cpf',
    re: /(?<![\d.])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d-])|(?<![\d.])\d{11}(?!\d|\.\d)/g,
    valid: (v, text, at) => cpfValid(v) && (v.includes('.') || labelled(text, at, /\bCPF\b/i)),
  },
  {
    kind: 'de_steuer_id',
    re: /(?<![\d.])[1-9]\d ?\d{3} ?\d{3} ?\d{3}(?!\d|\.\d)/g,
    valid: (v, text, at) =>
      steuerIdValid(v) && labelled(text, at, /steuer|tax ?id|\bIdNr\b|identifikationsnummer|\bTIN\b/i),
  },
  {
    kind: 'in_aadhaar',
    re: /(?<![\d-])[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}(?![\d-])/g,
    valid: (v, text, at) =>
      verhoeffValid(digitsOf(v)) && (/[ -]/.test(v) || labelled(text, at, /aadhaa?r|\bUIDAI?\b/i)),
  },
  {
    kind: 'phone',
    // E.164 (+ country code), North American (xxx) xxx-xxxx, and European national formats with a trunk 0.
    re: /(?<![\w+.-])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\d-])|(?<![\w.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\d-])|(?<![\w.-])\(?0\d{1,4}\)?(?:[ ./-]\d{2,4}){2,4}(?![\d-])/g,
    valid: (v, text, at) => {
      const d = digitsOf(v);
      if (d.length < 9 || d.length > 15) return false;
      // The tail of a longer grouped code (an IBAN or card written in blocks of four) is not a phone number.
      if (/[A-Z0-9]{4} $/.test(text.slice(Math.max(0, at - 5), at))) return false;
      // Dates (2024-01-31), times and versions are not phone numbers.
      return (
        !/^\d{4}[-./]\d{2}[-./]\d{2}$/.test(v) &&
        !/^\d{1,2}[./]\d{1,2}[./]\d{2,4}$/.test(v) &&
        !/\d{1,2}\/(?:19|20)\d{2}\b/.test(v)
      );
    },
  },
  {
    kind: 'ipv4',
    re: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.]|\.\d)/g,
    valid: (_v, text, at) => !/\bv(?:ersion)?\s*$/i.test(text.slice(Math.max(0, at - 10), at)),
  },
  {
    kind: 'ipv6',
    re: /(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?![\w:])/g,
    valid: (v) =>
      isIPv6(v) &&
      /[0-9A-Fa-f]{2,}/.test(v) &&
      v.split(':').length >= 3 &&
      !/^\d{1,2}:\d{2}(?::\d{2})?$/.test(v),
  },
];

/** Every PII span in `text`, non-overlapping, in text order. */
export function findPii(text: string): PiiHit[] {
  const hits: (PiiHit & { readonly rank: number })[] = [];
  DETECTORS.forEach((det, rank) => {
    det.re.lastIndex = 0;
    for (let m = det.re.exec(text); m !== null; m = det.re.exec(text)) {
      if (det.valid(m[0], text, m.index)) {
        hits.push({ kind: det.kind, start: m.index, end: m.index + m[0].length, value: m[0], rank });
      }
    }
  });
  hits.sort((a, b) => a.rank - b.rank || a.start - b.start);
  const taken: PiiHit[] = [];
  for (const h of hits) {
    if (taken.some((t) => h.start < t.end && t.start < h.end)) continue;
    taken.push({ kind: h.kind, start: h.start, end: h.end, value: h.value });
  }
  return taken.sort((a, b) => a.start - b.start);
}

/** A PII value shown safely: the e-mail's domain, or the last two characters of anything else. */
export function maskPii(kind: PiiKind, value: string): string {
  if (kind === 'email') return `***@${value.slice(value.indexOf('@') + 1)}`;
  return `${'*'.repeat(Math.max(0, Math.min(value.length - 2, 12)))}${value.slice(-2)}`;
}

/** PII findings for `text` (evidence masked). */
export function scanPii(text: string, field = 'text'): Finding[] {
  return findPii(text).map((h) => ({
    rule: `pii.${h.kind}`,
    severity: h.kind === 'ipv4' || h.kind === 'ipv6' || h.kind === 'email' ? 'low' : 'medium',
    evidence: maskPii(h.kind, h.value),
    span: { field, start: h.start, end: h.end },
  }));
}
