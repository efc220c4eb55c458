// A throwaway PKI for TLS / mTLS tests, made with the `openssl` CLI (Debian package `openssl`, present on the
// machine image; nothing to add to package.json). Keys are EC P-256, so a whole PKI takes a few tens of ms.
//
//   trusted CA ─┬─ server    (CN=localhost, SAN DNS:localhost, IP:127.0.0.1, serverAuth)
//               ├─ clientA   (CN=client-a, clientAuth)
//               └─ clientB   (CN=client-b, clientAuth)
//   rogue CA ───── untrusted (CN=client-a too, clientAuth: same name, wrong issuer)
//
// `thumbprint` of a client cert is base64url(SHA-256(DER)), the value of `cnf.x5t#S256` (RFC 8705 §3.1).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
  certPath: string;
  keyPath: string;
}

export interface ClientCert extends CertFiles {
  /** base64url(SHA-256(DER)): what `cnf.x5t#S256` holds for a token bound to this certificate. */
  thumbprint: string;
}

export interface Pki {
  dir: string;
  /** The CA the server trusts for client certificates (and clients trust for the server). */
  ca: CertFiles;
  /** Another CA nobody trusts. */
  rogueCa: CertFiles;
  /** Server certificate for 127.0.0.1 / localhost. */
  server: CertFiles;
  clientA: ClientCert;
  clientB: ClientCert;
  /** Client certificate issued by `rogueCa` (same subject as clientA). */
  untrusted: ClientCert;
  /** Deletes `dir` (only if makePki created it). */
  remove(): void;
}

/** base64url SHA-256 of a certificate's DER encoding (RFC 8705 `x5t#S256`). */
export function certThumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
}

/** Runs openssl in `dir`; `args` is split on spaces (no argument here contains one), `subject` goes last. */
function openssl(dir: string, args: string, subject?: string): void {
  const argv = args.split(' ');
  if (subject !== undefined) argv.push('-subj', subject);
  execFileSync('openssl', argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(dir: string, name: string): CertFiles {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

function makeCa(dir: string, name: string, cn: string): CertFiles {
  const ext = '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign';
  openssl(dir, `req -x509 ${EC_KEY} -keyout ${name}.key -out ${name}.pem -days 2 ${ext}`, `/CN=${cn}`);
  return files(dir, name);
}

function makeLeaf(dir: string, ca: string, name: string, cn: string, extensions: string): CertFiles {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, `req -new ${EC_KEY} -keyout ${name}.key -out ${name}.csr`, `/CN=${cn}`);
  const serial = `0x${randomBytes(8).toString('hex')}`;
  openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -set_serial ${serial} -days 2 -sha256 ` +
      `-extfile ${name}.ext -out ${name}.pem`,
  );
  return files(dir, name);
}

const LEAF = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n';

function makeClient(dir: string, ca: string, name: string, cn: string): ClientCert {
  const f = makeLeaf(dir, ca, name, cn, `${LEAF}extendedKeyUsage=clientAuth\n`);
  return { ...f, thumbprint: certThumbprint(f.cert) };
}

/** Creates the PKI in `dir` (a new temporary directory when omitted). */
export function makePki(dir?: string): Pki {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'rampart-pki-'));
  const ca = makeCa(root, 'ca', 'Rampart Test CA');
  const rogueCa = makeCa(root, 'rogue-ca', 'Rogue Test CA');
  const server = makeLeaf(
    root,
    'ca',
    'server',
    'localhost',
    `${LEAF}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`,
  );
  return {
    dir: root,
    ca,
    rogueCa,
    server,
    clientA: makeClient(root, 'ca', 'client-a', 'client-a'),
    clientB: makeClient(root, 'ca', 'client-b', 'client-b'),
    untrusted: makeClient(root, 'rogue-ca', 'untrusted', 'client-a'),
    remove: () => {
      if (dir === undefined) rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Another server certificate for 127.0.0.1 / localhost with a fresh key, issued by `issuer` (the trusted CA or
 * the rogue one): the second key of a rotation, or a server nobody should trust.
 */
export function makeServerCert(pki: Pki, name: string, issuer: 'ca' | 'rogue-ca' = 'ca'): CertFiles {
  return makeLeaf(
    pki.dir,
    issuer,
    name,
    'localhost',
    `${LEAF}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`,
  );
}

/**
 * The SPKI pin of a certificate as the openssl CLI computes it (the HPKP / curl --pinnedpubkey recipe):
 * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`.
 */
export function opensslSpkiPin(certPath: string): string {
  const run = (args: string[], input?: Buffer) =>
    execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
  const publicKeyPem = run(['x509', '-pubkey', '-noout', '-in', certPath]);
  const publicKeyDer = run(['pkey', '-pubin', '-outform', 'der'], publicKeyPem);
  const digest = run(['dgst', '-sha256', '-binary'], publicKeyDer);
  return run(['base64', '-A'], digest).toString('utf8').trim();
}
