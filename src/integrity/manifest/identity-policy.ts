// Which Sigstore signers are trusted: a certificate names its signer by the OIDC issuer that vouched for them
// (Fulcio extension 1.3.6.1.4.1.57264.1.8 or .1.1) and a subject (email or URI SAN). Both must match one
// configured identity; a subject regex must match the whole SAN, so "ci@example\.com" cannot match
// "ci@example.com.evil.test".
import { ManifestError } from './manifest-error.ts';

/** One trusted signer: an exact OIDC issuer and either an exact subject or a regex over the whole subject. */
export interface TrustedIdentity {
  readonly issuer: string;
  readonly subject?: string | undefined;
  readonly subjectRegex?: string | undefined;
}

/** The signer a certificate names. */
export interface SignerIdentity {
  readonly issuer: string | undefined;
  readonly subject: string | undefined;
}

/** The regex a `subjectRegex` compiles to (anchored at both ends); throws ManifestError when it is invalid. */
export function compileSubjectRegex(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    throw new ManifestError(
      'RAMPART_MANIFEST_KEY_INVALID',
      `subjectRegex ${JSON.stringify(source)} is not a valid regular expression`,
    );
  }
}

/** The first configured identity the signer matches, or undefined. */
export function matchIdentity(
  identities: readonly TrustedIdentity[],
  signer: SignerIdentity,
): TrustedIdentity | undefined {
  const { issuer, subject } = signer;
  if (issuer === undefined || subject === undefined) return undefined;
  return identities.find((identity) => {
    if (identity.issuer !== issuer) return false;
    if (identity.subject !== undefined) return identity.subject === subject;
    if (identity.subjectRegex !== undefined) return compileSubjectRegex(identity.subjectRegex).test(subject);
    return false;
  });
}
