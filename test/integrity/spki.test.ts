// SPKI pins are the HPKP / curl --pinnedpubkey value: whatever form the certificate comes in and whatever its key
// type, spkiPin must print what the openssl recipe prints.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configPinValue, PIN_PREFIX, spkiPin } from '../../src/integrity/spki.ts';
import { makePki, opensslSpkiPin, type Pki } from '../helpers/certs.ts';

/** A self-signed certificate with a key made by `-newkey <spec>` (RSA, Ed25519...). */
function selfSigned(dir: string, name: string, newkey: string[]): string {
  const certPath = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...newkey,
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return certPath;
}

describe('spkiPin', () => {
  let pki: Pki;
  before(() => {
    pki = makePki();
  });
  after(() => pki.remove());

  it('equals the openssl-computed pin for an EC P-256 certificate, in every input form', () => {
    const expected = opensslSpkiPin(pki.server.certPath);
    const x509 = new X509Certificate(pki.server.cert);
    assert.equal(spkiPin(pki.server.cert), expected);
    assert.equal(spkiPin(x509), expected);
    assert.equal(spkiPin(x509.raw), expected);
    assert.equal(spkiPin(new Uint8Array(x509.raw)), expected);
    assert.equal(spkiPin({ raw: x509.raw }), expected);
  });

  it('equals the openssl-computed pin for RSA and Ed25519 keys', () => {
    const rsa = selfSigned(pki.dir, 'rsa', ['-newkey', 'rsa:2048']);
    const ed25519 = selfSigned(pki.dir, 'ed25519', ['-newkey', 'ed25519']);
    for (const certPath of [rsa, ed25519]) {
      const pem = execFileSync('openssl', ['x509', '-in', certPath]).toString('utf8');
      assert.equal(spkiPin(pem), opensslSpkiPin(certPath), certPath);
    }
  });

  it('hashes the SubjectPublicKeyInfo, not the certificate: a re-issued certificate for the same key keeps the pin', () => {
    const x509 = new X509Certificate(pki.server.cert);
    const spkiDer = x509.publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(spkiPin(x509), createHash('sha256').update(spkiDer).digest('base64'));
    assert.notEqual(spkiPin(x509), createHash('sha256').update(x509.raw).digest('base64'));
    // Same key, new certificate (another serial and validity): the pin must not move.
    const reissued = join(pki.dir, 'server-reissued.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-key', pki.server.keyPath, '-out', reissued, '-days', '3', '-subj', '/CN=reissued'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    assert.equal(spkiPin(execFileSync('openssl', ['x509', '-in', reissued]).toString()), spkiPin(x509));
    assert.notEqual(spkiPin(pki.clientA.cert), spkiPin(x509));
  });

  it('refuses bytes that are not a DER certificate with a clear error', () => {
    const raw = new X509Certificate(pki.server.cert).raw;
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from([0x30, 0x82, 0xff, 0xff, 0x30]),
      raw.subarray(0, 40),
      Buffer.from('not a certificate'),
    ]) {
      assert.throws(() => spkiPin(bad), /not a DER X\.509 certificate/);
    }
  });

  it('reads the bare base64 value of a config pin', () => {
    const pin = opensslSpkiPin(pki.server.certPath);
    assert.equal(configPinValue(`${PIN_PREFIX}${pin}`), pin);
    assert.equal(configPinValue(pin), pin);
  });
});
