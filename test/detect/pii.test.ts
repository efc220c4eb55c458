// Personal data: formats with valid and invalid check digits, and redaction that keeps text and JSON usable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cpfValid,
  dniValid,
  ibanValid,
  luhnValid,
  nirValid,
  ssnValid,
  steuerIdValid,
  verhoeffValid,
} from '../../src/detect/pii/checksums.ts';
import { findPii, scanPii } from '../../src/detect/pii/scan.ts';
import { redact } from '../../src/detect/redact.ts';

const kinds = (text: string) => findPii(text).map((h) => h.kind);

describe('PII checksums', () => {
  it('accepts valid and rejects invalid check digits', () => {
    assert.ok(luhnValid('4111111111111111') && !luhnValid('4111111111111112'));
    assert.ok(ibanValid('DE89 3704 0044 0532 0130 00') && !ibanValid('DE89 3704 0044 0532 0130 01'));
    assert.ok(ibanValid('GB82WEST12345698765432') && !ibanValid('GB82WEST1234569876543'));
    assert.ok(verhoeffValid('234123412346') && !verhoeffValid('234123412347'));
    assert.ok(cpfValid('529.982.247-25') && !cpfValid('529.982.247-26') && !cpfValid('111.111.111-11'));
    assert.ok(
      dniValid('12345678Z') && !dniValid('12345678A') && dniValid('X1234567L') && !dniValid('X1234567A'),
    );
    assert.ok(nirValid('1 85 05 78 006 084 91') && !nirValid('1 85 05 78 006 084 92'));
    assert.ok(ssnValid('123-45-6789') && !ssnValid('666-12-3456') && !ssnValid('123-00-6789'));
    assert.ok(steuerIdValid('86095742719') && !steuerIdValid('86095742718') && !steuerIdValid('11111111111'));
  });
});

describe('PII detection', () => {
  it('finds each kind', () => {
    assert.deepEqual(kinds('mail jane.doe@example.com now'), ['email']);
    assert.deepEqual(kinds('call +44 20 7946 0958 or (415) 555-0132'), ['phone', 'phone']);
    assert.deepEqual(kinds('card 4111 1111 1111 1111'), ['payment_card']);
    assert.deepEqual(kinds('IBAN DE89 3704 0044 0532 0130 00'), ['iban']);
    assert.deepEqual(kinds('SSN 123-45-6789'), ['us_ssn']);
    assert.deepEqual(kinds('NINO AB 12 34 56 C'), ['uk_nino']);
    assert.deepEqual(kinds('Steuer-ID: 86095742719'), ['de_steuer_id']);
    assert.deepEqual(kinds('NIR 1 85 05 78 006 084 91'), ['fr_nir']);
    assert.deepEqual(kinds('DNI 12345678Z, NIE X1234567L'), ['es_dni', 'es_dni']);
    assert.deepEqual(kinds('Aadhaar 2341 2341 2346'), ['in_aadhaar']);
    assert.deepEqual(kinds('CPF 529.982.247-25'), ['br_cpf']);
    assert.deepEqual(kinds('from 192.168.10.4 and 2001:db8::8a2e:370:7334'), ['ipv4', 'ipv6']);
  });

  it('rejects look-alikes with bad check digits or no label', () => {
    assert.deepEqual(kinds('card 4111 1111 1111 1112'), []);
    assert.deepEqual(kinds('IBAN DE89 3704 0044 0532 0130 01'), []);
    assert.deepEqual(kinds('CPF 529.982.247-26'), []);
    assert.deepEqual(kinds('DNI 12345678A'), []);
    assert.deepEqual(kinds('order 86095742719 shipped'), []);
    assert.deepEqual(kinds('on 2024-01-31 at 12:30:45, version v1.2.3.4'), []);
  });

  it('masks the value in findings', () => {
    const [f] = scanPii('card 4111 1111 1111 1111');
    assert.equal(f!.rule, 'pii.payment_card');
    assert.ok(!f!.evidence.includes('4111'));
  });
});

describe('redaction', () => {
  const GITHUB = 'ghp_' + 'R8x2Kq9Lm4Np7Vt1Wz3Yb6Cd0Ef5Gh2Jk8Ms';

  it('replaces spans with typed placeholders and keeps the rest', () => {
    const r = redact(`Contact jane.doe@example.com, token ${GITHUB}, card 4111-1111-1111-1111. Thanks!`);
    assert.equal(
      r.text,
      'Contact [REDACTED:email], token [REDACTED:github-pat], card [REDACTED:payment_card]. Thanks!',
    );
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ['pii.email', 'secret.github-pat', 'pii.payment_card'],
    );
  });

  it('keeps JSON valid and its shape intact', () => {
    const input = JSON.stringify(
      { user: { email: 'a.b@example.org', phone: '+1 415 555 0132' }, notes: [`token ${GITHUB}`], n: 5 },
      null,
      2,
    );
    const r = redact(input);
    const out = JSON.parse(r.text) as { user: { email: string; phone: string }; notes: string[]; n: number };
    assert.deepEqual(out, {
      user: { email: '[REDACTED:email]', phone: '[REDACTED:phone]' },
      notes: ['token [REDACTED:github-pat]'],
      n: 5,
    });
    assert.ok(r.text.includes('\n  "user"'));
    assert.deepEqual(
      r.findings.map((f) => f.span?.field),
      ['$.user.email', '$.user.phone', '$.notes[0]'],
    );
  });

  it('returns text without secrets or PII unchanged', () => {
    const text = '{"status": "ok", "count": 3}';
    assert.deepEqual(redact(text), { text, findings: [] });
  });
});

describe('redaction by kind', () => {
  const GITHUB = 'ghp_' + 'R8x2Kq9Lm4Np7Vt1Wz3Yb6Cd0Ef5Gh2Jk8Ms';
  const text = `mail a.b@example.org token ${GITHUB}`;

  it('redacts only secrets, only PII, or nothing when asked', () => {
    assert.equal(redact(text, ['secrets']).text, 'mail a.b@example.org token [REDACTED:github-pat]');
    assert.equal(redact(text, ['pii']).text, `mail [REDACTED:email] token ${GITHUB}`);
    assert.deepEqual(redact(text, []), { text, findings: [] });
  });
});
