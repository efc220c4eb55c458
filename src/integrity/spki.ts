// The pin of a TLS server's key: base64 SHA-256 of the certificate's SubjectPublicKeyInfo DER, the form of HPKP
// (RFC 7469) and curl's --pinnedpubkey. The SPKI is cut out of the certificate bytes as signed rather than
// re-encoded from a parsed key, so the pin is exactly what `openssl x509 -pubkey | openssl pkey -pubin -outform der
// | openssl dgst -sha256 -binary | base64` prints, whatever the key type.
import { createHash, X509Certificate } from 'node:crypto';

/** Prefix of a pin in the config (`sha256/<base64>`, as curl writes it). */
export const PIN_PREFIX = 'sha256/';

/** Anything that carries a certificate: DER bytes, PEM text, an X509Certificate, or a tls peer certificate. */
export type CertificateSource = Uint8Array | string | X509Certificate | { readonly raw: Uint8Array };

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (no `sha256/` prefix). */
export function spkiPin(certificate: CertificateSource): string {
  return createHash('sha256')
    .update(subjectPublicKeyInfo(derOf(certificate)))
    .digest('base64');
}

/** The bare base64 pin of a config entry (`sha256/<base64>`). */
export function configPinValue(entry: string): string {
  return entry.startsWith(PIN_PREFIX) ? entry.slice(PIN_PREFIX.length) : entry;
}

function derOf(certificate: CertificateSource): Uint8Array {
  if (typeof certificate === 'string') return new X509Certificate(certificate).raw;
  if (certificate instanceof Uint8Array) return certificate;
  return certificate.raw;
}

/** The SubjectPublicKeyInfo element (tag, length and content) of a DER X.509 certificate. */
function subjectPublicKeyInfo(der: Uint8Array): Uint8Array {
  const certificate = element(der, 0, der.length, 'certificate');
  const tbs = element(der, certificate.contentStart, certificate.end, 'tbsCertificate');
  let at = tbs.contentStart;
  // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const first = element(der, at, tbs.end, 'tbsCertificate field');
  if (first.tag === 0xa0) at = first.end;
  for (let skipped = 0; skipped < 5; skipped++) at = element(der, at, tbs.end, 'tbsCertificate field').end;
  const spki = element(der, at, tbs.end, 'subjectPublicKeyInfo');
  return der.subarray(at, spki.end);
}

interface Element {
  readonly tag: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the DER element at `at`, which must be a SEQUENCE unless it is a tbsCertificate field. */
function element(der: Uint8Array, at: number, limit: number, what: string): Element {
  const malformed = () => new Error(`not a DER X.509 certificate (bad ${what})`);
  if (at + 2 > limit) throw malformed();
  const tag = der[at]!;
  if (tag !== 0x30 && what !== 'tbsCertificate field') throw malformed();
  let length = der[at + 1]!;
  let contentStart = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    // DER certificates are far below 4 GiB; an indefinite (0) or huge length is not DER.
    if (octets === 0 || octets > 4 || contentStart + octets > limit) throw malformed();
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw malformed();
  return { tag, contentStart, end };
}
