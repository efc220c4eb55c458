// A private, offline Sigstore for tests: a certificate authority playing Fulcio, a transparency log playing
// Rekor, a CT log, the trusted_root.json naming them, and bundles as `cosign sign-blob --bundle` writes them
// (hashedrekord entries with a signed entry timestamp, plus an RFC 6962 inclusion proof and signed checkpoint
// for v0.2/v0.3). Keys are EC P-256 from node:crypto; certificates are written with test/helpers/der.ts.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import canonicalize from 'canonicalize';
import { bitString, bool, explicit, implicit, integer, octets, oid, seq, set, time, utf8 } from './der.ts';

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';

/** A signing key of a log (transparency or CT): its id is the SHA-256 of its SPKI DER. */
export interface LogKey {
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
  readonly logId: Buffer;
}

export interface Ca {
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
  readonly cert: Buffer;
  readonly name: Buffer;
  readonly commonName: string;
}

export interface Leaf {
  readonly privateKey: KeyObject;
  readonly cert: Buffer;
}

function p256(): { privateKey: KeyObject; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, spki: publicKey.export({ format: 'der', type: 'spki' }) };
}

/** A fresh log key. */
export function makeLogKey(): LogKey {
  const { privateKey, spki } = p256();
  return { privateKey, spki, logId: createHash('sha256').update(spki).digest() };
}

function distinguishedName(organization: string, commonName: string): Buffer {
  return seq(set(seq(oid('2.5.4.10'), utf8(organization))), set(seq(oid('2.5.4.3'), utf8(commonName))));
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

function tbsCertificate(o: {
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
  serial: Buffer;
}): Buffer {
  return seq(
    explicit(0, integer(2n)),
    integer(o.serial),
    ECDSA_SHA256,
    o.issuer,
    seq(time(o.notBefore), time(o.notAfter)),
    o.subject,
    o.spki,
    explicit(3, seq(...o.extensions)),
  );
}

function certificate(tbs: Buffer, signer: KeyObject): Buffer {
  return seq(tbs, ECDSA_SHA256, bitString(sign('sha256', tbs, signer)));
}

function serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes;
}

/** A self-signed root CA valid from `notBefore` to `notAfter`. */
export function makeCa(commonName: string, notBefore: Date, notAfter: Date): Ca {
  const { privateKey, spki } = p256();
  const name = distinguishedName('rampart-test', commonName);
  const tbs = tbsCertificate({
    issuer: name,
    subject: name,
    notBefore,
    notAfter,
    spki,
    serial: serial(),
    extensions: [
      extension('2.5.29.15', bitString(Buffer.from([0x06]), 1), true), // keyCertSign, cRLSign
      extension('2.5.29.19', seq(bool(true)), true), // CA:TRUE
      extension('2.5.29.14', octets(keyId(spki))),
    ],
  });
  return { privateKey, spki, cert: certificate(tbs, privateKey), name, commonName };
}

export interface LeafOptions {
  readonly ca: Ca;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The OIDC issuer written into the Fulcio extension. */
  readonly oidcIssuer: string;
  /** `.1.8` (DER UTF8String, current Fulcio) or `.1.1` (raw bytes, older Fulcio). */
  readonly issuerExtension?: 'v1' | 'v2';
  readonly email?: string;
  readonly uri?: string;
  /** When given, the certificate carries an SCT from this CT log, dated `notBefore`. */
  readonly ctlog?: LogKey;
}

/** A short-lived code-signing certificate as Fulcio issues it (empty subject, identity in the SAN). */
export function makeLeaf(o: LeafOptions): Leaf {
  const { privateKey, spki } = p256();
  const san =
    o.email !== undefined ? implicit(1, Buffer.from(o.email)) : implicit(6, Buffer.from(o.uri ?? ''));
  const issuerExt =
    (o.issuerExtension ?? 'v2') === 'v2'
      ? extension(OID_FULCIO_ISSUER_V2, utf8(o.oidcIssuer))
      : extension(OID_FULCIO_ISSUER_V1, Buffer.from(o.oidcIssuer, 'ascii'));
  const base = {
    issuer: o.ca.name,
    subject: seq(),
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    spki,
    serial: serial(),
  };
  const extensions = [
    extension('2.5.29.15', bitString(Buffer.from([0x80]), 7), true), // digitalSignature
    extension('2.5.29.37', seq(oid('1.3.6.1.5.5.7.3.3'))), // codeSigning
    extension('2.5.29.14', octets(keyId(spki))),
    extension('2.5.29.35', seq(implicit(0, keyId(o.ca.spki)))),
    extension('2.5.29.17', seq(san), true),
    issuerExt,
  ];
  if (o.ctlog) {
    // RFC 6962 §3.2: the SCT signs the issuer key hash and the TBS without the SCT extension itself.
    const preTbs = tbsCertificate({ ...base, extensions });
    const sctList = sctListFor(o.ctlog, o.ca.spki, preTbs, o.notBefore);
    extensions.push(extension(OID_SCT_LIST, octets(sctList)));
  }
  return { privateKey, cert: certificate(tbsCertificate({ ...base, extensions }), o.ca.privateKey) };
}

function sctListFor(log: LogKey, issuerSpki: Buffer, preTbs: Buffer, at: Date): Buffer {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(at.getTime()));
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
  const signed = Buffer.concat([
    Buffer.from([0, 0]), // v1, certificate_timestamp
    timestamp,
    u16(1), // precert_entry
    createHash('sha256').update(issuerSpki).digest(),
    u24(preTbs.length),
    preTbs,
    u16(0), // no extensions
  ]);
  const signature = sign('sha256', signed, log.privateKey);
  const sct = Buffer.concat([
    Buffer.from([0]),
    log.logId,
    timestamp,
    u16(0),
    Buffer.from([4, 3]), // sha256, ecdsa
    u16(signature.length),
    signature,
  ]);
  const entry = Buffer.concat([u16(sct.length), sct]);
  return Buffer.concat([u16(entry.length), entry]);
}

export interface TrustedRootOptions {
  readonly cas: readonly { ca: Ca; start: Date; end?: Date }[];
  readonly tlogs: readonly { log: LogKey; baseUrl: string; start: Date; end?: Date }[];
  readonly ctlogs?: readonly { log: LogKey; baseUrl: string; start: Date; end?: Date }[];
}

/** A trusted_root.json document naming the given authorities. */
export function trustedRoot(o: TrustedRootOptions): Record<string, unknown> {
  const window = (start: Date, end?: Date) => ({
    start: start.toISOString(),
    ...(end ? { end: end.toISOString() } : {}),
  });
  const log = (l: { log: LogKey; baseUrl: string; start: Date; end?: Date }) => ({
    baseUrl: l.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: l.log.spki.toString('base64'),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: window(l.start, l.end),
    },
    logId: { keyId: l.log.logId.toString('base64') },
  });
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: o.tlogs.map(log),
    certificateAuthorities: o.cas.map((c) => ({
      subject: { organization: 'rampart-test', commonName: c.ca.commonName },
      uri: `https://${c.ca.commonName}.test.invalid`,
      certChain: { certificates: [{ rawBytes: c.ca.cert.toString('base64') }] },
      validFor: window(c.start, c.end),
    })),
    ctlogs: (o.ctlogs ?? []).map(log),
    timestampAuthorities: [],
  };
}

export interface BundleOptions {
  readonly artifact: Uint8Array;
  readonly leaf: Leaf;
  readonly tlog: LogKey;
  /** Host part of the tlog's baseUrl (the checkpoint's signer name must occur in it). */
  readonly tlogName: string;
  readonly integratedTime: Date;
  readonly version: '0.1' | '0.2' | '0.3';
}

const MEDIA_TYPES = {
  '0.1': 'application/vnd.dev.sigstore.bundle+json;version=0.1',
  '0.2': 'application/vnd.dev.sigstore.bundle+json;version=0.2',
  '0.3': 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;

/** A message-signature bundle over `artifact`, logged in `tlog` at `integratedTime`. */
export function makeBundle(o: BundleOptions): Record<string, unknown> {
  const signature = sign('sha256', o.artifact, o.leaf.privateKey);
  const digest = createHash('sha256').update(o.artifact).digest();
  const certPem = `-----BEGIN CERTIFICATE-----\n${o.leaf.cert.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  const body = Buffer.from(
    canonicalize({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
        signature: {
          content: signature.toString('base64'),
          publicKey: { content: Buffer.from(certPem).toString('base64') },
        },
      },
    })!,
  );
  // The entry sits among a few others so the inclusion proof has real sibling hashes.
  const logIndex = 5;
  const treeSize = 7;
  const integratedTime = Math.floor(o.integratedTime.getTime() / 1000);
  const promise = Buffer.from(
    canonicalize({
      body: body.toString('base64'),
      integratedTime,
      logIndex,
      logID: o.tlog.logId.toString('hex'),
    })!,
  );
  const leaves = Array.from({ length: treeSize }, (_, i) => (i === logIndex ? body : randomBytes(32)));
  const leafHashes = leaves.map((leaf) => hash(Buffer.from([0]), leaf));
  const root = merkleRoot(leafHashes);
  const note = `${o.tlogName} - 4242\n${treeSize}\n${root.toString('base64')}\n`;
  const noteSignature = Buffer.concat([
    o.tlog.logId.subarray(0, 4),
    sign('sha256', Buffer.from(note), o.tlog.privateKey),
  ]);
  const entry: Record<string, unknown> = {
    logIndex: String(logIndex),
    logId: { keyId: o.tlog.logId.toString('base64') },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: sign('sha256', promise, o.tlog.privateKey).toString('base64') },
    canonicalizedBody: body.toString('base64'),
  };
  if (o.version !== '0.1') {
    entry['inclusionProof'] = {
      logIndex: String(logIndex),
      rootHash: root.toString('base64'),
      treeSize: String(treeSize),
      hashes: auditPath(logIndex, leafHashes).map((h) => h.toString('base64')),
      checkpoint: { envelope: `${note}\n\u2014 ${o.tlogName} ${noteSignature.toString('base64')}\n` },
    };
  }
  const rawCert = { rawBytes: o.leaf.cert.toString('base64') };
  return {
    mediaType: MEDIA_TYPES[o.version],
    verificationMaterial: {
      ...(o.version === '0.3'
        ? { certificate: rawCert }
        : { x509CertificateChain: { certificates: [rawCert] } }),
      tlogEntries: [entry],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') },
      signature: signature.toString('base64'),
    },
  };
}

function hash(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
}

// RFC 6962 §2.1: k is the largest power of two smaller than n.
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function merkleRoot(leafHashes: readonly Buffer[]): Buffer {
  if (leafHashes.length === 1) return leafHashes[0]!;
  const k = split(leafHashes.length);
  return hash(Buffer.from([1]), merkleRoot(leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k)));
}

function auditPath(m: number, leafHashes: readonly Buffer[]): Buffer[] {
  if (leafHashes.length === 1) return [];
  const k = split(leafHashes.length);
  return m < k
    ? [...auditPath(m, leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k))]
    : [...auditPath(m - k, leafHashes.slice(k)), merkleRoot(leafHashes.slice(0, k))];
}

/** A ready-made world: trusted CA, rogue CA, Rekor and CT log keys, and a root naming the trusted ones. */
export interface SigstoreWorld {
  readonly ca: Ca;
  readonly rogueCa: Ca;
  readonly tlog: LogKey;
  readonly ctlog: LogKey;
  readonly tlogName: string;
  /** The trusted root (the CT log included unless `ctlogs: false`). */
  root(options?: { ctlogs?: boolean }): Record<string, unknown>;
}

/** Authorities valid from a day before `now` for a year. */
export function makeSigstoreWorld(now: Date): SigstoreWorld {
  const start = new Date(now.getTime() - 86_400_000);
  const end = new Date(now.getTime() + 365 * 86_400_000);
  const ca = makeCa('fulcio', start, end);
  const rogueCa = makeCa('fulcio', start, end);
  const tlog = makeLogKey();
  const ctlog = makeLogKey();
  const tlogName = 'rekor.test.invalid';
  return {
    ca,
    rogueCa,
    tlog,
    ctlog,
    tlogName,
    root: (options) =>
      trustedRoot({
        cas: [{ ca, start }],
        tlogs: [{ log: tlog, baseUrl: `https://${tlogName}`, start }],
        ctlogs:
          options?.ctlogs === false ? [] : [{ log: ctlog, baseUrl: 'https://ctfe.test.invalid', start }],
      }),
  };
}
