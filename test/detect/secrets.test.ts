// Secrets by the ported gitleaks rules: several providers, entropy and allowlists, masking. The fake secrets are
// assembled from parts so no real-looking secret sits in the repository verbatim.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shannonEntropy } from '../../src/detect/secrets/entropy.ts';
import { GITLEAKS_RULES } from '../../src/detect/secrets/gitleaks-rules.ts';
import { findSecrets, maskSecret, scanSecrets } from '../../src/detect/secrets/scan.ts';

const AWS = 'AKIA' + 'Z3MXQ7PLRT5VWBNC';
const GITHUB = 'ghp_' + 'R8x2Kq9Lm4Np7Vt1Wz3Yb6Cd0Ef5Gh2Jk8Ms';
const SLACK = 'xoxb-' + '123456789012-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx';
const STRIPE = 'sk_' + 'live_' + '51Hq8K2eZvKYlo2C9xR4tNmPq7';
const GITLAB = 'glpat-' + 'Xk3mZ9qR7vT2wY5nB8cD';
const OPENSSH = [
  '-----BEGIN OPENSSH ',
  'PRIVATE KEY-----\n',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n',
  '-----END OPENSSH ',
  'PRIVATE KEY-----',
].join('');

describe('secrets (gitleaks rules)', () => {
  it('ports the gitleaks rule table', () => {
    assert.ok(GITLEAKS_RULES.length > 200);
    for (const r of GITLEAKS_RULES) assert.ok(r.re.global, r.id);
  });

  it('finds secrets of several providers', () => {
    const text = `aws_access_key_id=${AWS}\nGITHUB_TOKEN=${GITHUB}\nslack: ${SLACK}\nSTRIPE="${STRIPE}"\ngitlab ${GITLAB}\n${OPENSSH}\n`;
    const rules = findSecrets(text).map((h) => h.rule);
    for (const id of [
      'aws-access-token',
      'github-pat',
      'slack-bot-token',
      'stripe-access-token',
      'gitlab-pat',
      'private-key',
    ]) {
      assert.ok(rules.includes(id), `${id} in ${rules.join(',')}`);
    }
  });

  it('applies entropy thresholds and allowlists', () => {
    assert.deepEqual(findSecrets('api_key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"'), []);
    assert.deepEqual(findSecrets('password = "' + '$' + '{DB_PASSWORD}"'), []);
    assert.deepEqual(findSecrets('The quick brown fox jumps over the lazy dog.'), []);
    assert.ok(shannonEntropy('aaaa') === 0 && shannonEntropy('abcd') === 2);
  });

  it('never puts the secret in a finding', () => {
    const findings = scanSecrets(`token ${GITHUB}`);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.rule, 'secret.github-pat');
    assert.ok(!findings[0]!.evidence.includes(GITHUB.slice(4)));
    assert.equal(maskSecret(GITHUB), `ghp_…(${GITHUB.length} chars)`);
  });

  it('scans 4 KB of ordinary text quickly', () => {
    const text = 'Order 1182 shipped to Berlin; tracking will follow by e-mail. '.repeat(70);
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) findSecrets(text);
    assert.ok((performance.now() - t0) / 50 < 10);
  });
});
