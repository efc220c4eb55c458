// Sigstore ("keyless") manifest signatures: a bundle (media types v0.1 to v0.3) holding a message signature over
// the manifest's exact bytes, a Fulcio-style certificate naming the signer, and a transparency log entry. It is
// verified offline with sigstore-js against a trusted root file the operator supplies (no TUF, no network).
//
// Verifier thresholds, and why:
//   - timestampThreshold 1: the signing time must be proven (a tlog inclusion promise or an RFC 3161 timestamp
//     from a trusted TSA), because short-lived certificates are only valid at that time, not now.
//   - tlogThreshold 1: the entry must be in a transparency log the trusted root names, with a verified inclusion
//     promise or proof; that is what makes a keyless signature publicly auditable.
//   - ctlogThreshold 1 when the trusted root names CT logs, else 0: with CT logs the certificate must carry an
//     SCT from one of them (as the public-good Fulcio's do); a private deployment without certificate
//     transparency lists none, and its operator's trusted root is the authority on that.
// The identity policy (issuer + subject) is applied here rather than by sigstore-js, so that exact subjects and
// whole-string regexes are both possible and failures get their own code.
import { createHash, X509Certificate as NodeX509Certificate, timingSafeEqual } from 'node:crypto';
import { type Bundle, bundleFromJSON, ValidationError } from '@sigstore/bundle';
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs';
import {
  type SignedEntity,
  type Signer,
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier,
} from '@sigstore/verify';
import { matchIdentity, type TrustedIdentity } from './identity-policy.ts';
import { failure, failureFrom, ManifestError, type ManifestFailure } from './manifest-error.ts';

export interface SigstoreVerified {
  readonly ok: true;
  readonly issuer: string;
  readonly subject: string;
  /** The earliest verified signing time (tlog integration time or RFC 3161 timestamp). */
  readonly signedAt: Date;
}

const DIGESTS: Readonly<Partial<Record<HashAlgorithm, string>>> = {
  [HashAlgorithm.SHA2_256]: 'sha256',
  [HashAlgorithm.SHA2_384]: 'sha384',
  [HashAlgorithm.SHA2_512]: 'sha512',
};

/** Trust material from a trusted_root.json document; throws ManifestError(RAMPART_MANIFEST_KEY_INVALID). */
export function loadTrustedRoot(json: unknown): { trust: TrustMaterial; ctlogs: number } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw rootError('is not a JSON object');
  }
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
  } catch {
    throw rootError('is malformed');
  }
  if (!root.mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw rootError(`has mediaType ${JSON.stringify(root.mediaType)}, not a Sigstore trusted root`);
  }
  if (root.certificateAuthorities.length === 0) throw rootError('names no certificate authorities');
  if (root.tlogs.length === 0) throw rootError('names no transparency logs');
  try {
    return { trust: toTrustMaterial(root), ctlogs: root.ctlogs.length };
  } catch (err) {
    throw rootError(
      `has an unusable key or certificate (${err instanceof Error ? err.message : 'malformed'})`,
    );
  }
}

/** Verifies a Sigstore bundle over `bytes` against a trusted root and the trusted identities. */
export function verifySigstoreBundle(
  bytes: Uint8Array,
  bundleJson: unknown,
  trustedRootJson: unknown,
  identities: readonly TrustedIdentity[],
): SigstoreVerified | ManifestFailure {
  if (identities.length === 0) return failure('RAMPART_MANIFEST_KEY_INVALID', 'no trusted identities given');
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (err) {
    const fields = err instanceof ValidationError ? ` (${err.fields.join(', ')})` : '';
    return failure('RAMPART_MANIFEST_BUNDLE_INVALID', `not a valid Sigstore bundle${fields}`);
  }
  const unsupported = unsupportedContent(bundle);
  if (unsupported) return failure('RAMPART_MANIFEST_BUNDLE_INVALID', unsupported);
  const digestProblem = digestMismatch(bundle, bytes);
  if (digestProblem) return failure('RAMPART_MANIFEST_SIGNATURE', digestProblem);

  let trusted: { trust: TrustMaterial; ctlogs: number };
  try {
    trusted = loadTrustedRoot(trustedRootJson);
  } catch (err) {
    return failureFrom(err);
  }
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, Buffer.from(bytes));
  } catch {
    return failure(
      'RAMPART_MANIFEST_BUNDLE_INVALID',
      'the bundle holds a certificate or timestamp that cannot be parsed',
    );
  }

  const verifier = new Verifier(trusted.trust, {
    timestampThreshold: 1,
    tlogThreshold: 1,
    ctlogThreshold: trusted.ctlogs > 0 ? 1 : 0,
  });
  let signer: Signer;
  try {
    signer = verifier.verify(entity);
  } catch (err) {
    return classify(err, entity);
  }

  const identity = {
    issuer: signer.identity?.extensions?.issuer,
    subject: signer.identity?.subjectAlternativeName,
  };
  try {
    if (!matchIdentity(identities, identity)) {
      return failure(
        'RAMPART_MANIFEST_UNTRUSTED_IDENTITY',
        `signed by ${identity.subject ?? '(no subject)'} (issuer ${identity.issuer ?? '(none)'}), which is not a trusted identity`,
      );
    }
  } catch (err) {
    return failureFrom(err);
  }
  const times = signingTimes(entity);
  return {
    ok: true,
    issuer: identity.issuer!,
    subject: identity.subject!,
    signedAt: new Date(Math.min(...times.map((t) => t.getTime()))),
  };
}

/** Why the bundle's kind is not one this verifier accepts, or undefined. */
function unsupportedContent(bundle: Bundle): string | undefined {
  if (bundle.content.$case !== 'messageSignature') {
    return 'the bundle holds a DSSE envelope (an attestation); sign the manifest file itself (a message signature bundle)';
  }
  if (bundle.verificationMaterial.content.$case === 'publicKey') {
    return 'the bundle is signed with a bare public key; a signer identity needs a certificate';
  }
  return undefined;
}

// Checked before the full verification only to say plainly that the bundle is for other bytes; the
// signature check would refuse the same bundle anyway.
function digestMismatch(bundle: Bundle, bytes: Uint8Array): string | undefined {
  if (bundle.content.$case !== 'messageSignature') return undefined;
  const digest = bundle.content.messageSignature.messageDigest;
  const algorithm = DIGESTS[digest.algorithm];
  if (algorithm === undefined) return undefined;
  const actual = createHash(algorithm).update(bytes).digest();
  if (actual.length === digest.digest.length && timingSafeEqual(actual, digest.digest)) return undefined;
  return 'the bundle was made for other bytes: the manifest was changed after it was signed';
}

function classify(err: unknown, entity: SignedEntity): ManifestFailure {
  if (!(err instanceof VerificationError)) {
    return failure('RAMPART_MANIFEST_BUNDLE_INVALID', 'the bundle cannot be verified (malformed content)');
  }
  if (err.code === 'CERTIFICATE_ERROR') {
    const expired = outsideValidity(entity);
    if (expired) return failure('RAMPART_MANIFEST_CERT_EXPIRED', expired);
    const detail =
      err.message === 'Failed to verify certificate chain'
        ? 'it does not chain to a certificate authority of the trusted root that was valid at the signing time'
        : err.message;
    return failure(
      'RAMPART_MANIFEST_UNTRUSTED_CA',
      `the signing certificate${issuerOf(entity)} is not trusted: ${detail}`,
    );
  }
  if (err.code === 'PUBLIC_KEY_ERROR') return failure('RAMPART_MANIFEST_BUNDLE_INVALID', err.message);
  // Timestamps, transparency log entries and the signature itself.
  return failure('RAMPART_MANIFEST_SIGNATURE', `the bundle does not verify: ${err.message} (${err.code})`);
}

/** A reason when a signing time falls outside the leaf certificate's validity. */
function outsideValidity(entity: SignedEntity): string | undefined {
  if (entity.key.$case !== 'certificate') return undefined;
  const { notBefore, notAfter } = entity.key.certificate;
  const outside = signingTimes(entity).find((t) => t < notBefore || t > notAfter);
  if (!outside) return undefined;
  return `signed at ${outside.toISOString()}, outside the certificate's validity (${notBefore.toISOString()} to ${notAfter.toISOString()})`;
}

// The times sigstore-js checks the certificate at: tlog entries count only with an inclusion promise.
function signingTimes(entity: SignedEntity): Date[] {
  return entity.timestamps.flatMap((ts) => {
    if (ts.$case === 'timestamp-authority') return [ts.timestamp.signingTime];
    return ts.tlogEntry.inclusionPromise ? [new Date(Number(ts.tlogEntry.integratedTime) * 1000)] : [];
  });
}

function issuerOf(entity: SignedEntity): string {
  if (entity.key.$case !== 'certificate') return '';
  try {
    return ` (issued by ${new NodeX509Certificate(entity.key.certificate.root.toDER()).issuer.replaceAll('\n', ', ')})`;
  } catch {
    return '';
  }
}

function rootError(reason: string): ManifestError {
  return new ManifestError('RAMPART_MANIFEST_KEY_INVALID', `the trusted root ${reason}`);
}
