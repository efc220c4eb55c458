// The principal as Cedar sees it: a User or an Agent in its groups; with several trusted issuers, ids carry the
// issuer so the same subject or group name from two issuers is never one principal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../src/auth/principal.ts';
import { PolicyEngine } from '../../src/policy/engine.ts';
import { baseContext, principalEntity, serverEntity, toolEntity } from '../../src/policy/entities.ts';
import { loadPolicyFiles } from '../../src/policy/policy-files.ts';

const principal = (
  issuer: string,
  subject: string,
  clientId: string | undefined,
  groups: string[],
): Principal => ({
  issuer,
  subject,
  clientId,
  agent: clientId,
  groups,
  roles: [],
  tenant: undefined,
  scopes: [],
  binding: 'bearer',
  tokenId: undefined,
  expiresAt: Number.POSITIVE_INFINITY,
});

describe('principal entities', () => {
  it('a person is a User, a client-credentials token an Agent, without auth the anonymous User', () => {
    assert.deepEqual(principalEntity(principal('https://a', 'alice', 'app', ['dev'])).uid, {
      type: 'User',
      id: 'alice',
    });
    assert.deepEqual(principalEntity(principal('https://a', 'ci-bot', 'ci-bot', [])).uid, {
      type: 'Agent',
      id: 'ci-bot',
    });
    assert.deepEqual(principalEntity(undefined).uid, { type: 'User', id: 'anonymous' });
  });

  it('with several issuers, the same subject and group from two issuers are different principals', () => {
    const source = loadPolicyFiles(['/p.cedar'], {
      read: () =>
        'permit(principal in Group::"https://a|admins", action == Action::"call", resource);\n' +
        'permit(principal == User::"https://a|root", action == Action::"call", resource);',
    });
    const engine = new PolicyEngine(source);
    const decide = (p: Principal) =>
      engine.decide({
        principal: principalEntity(p, true),
        action: 'call',
        resource: toolEntity('fs', 'fs__rm', { name: 'rm' }),
        related: [serverEntity('fs', [])],
        context: baseContext({
          principal: p,
          nowMs: 0,
          timezone: 'UTC',
          remoteAddress: undefined,
          era: 'legacy',
          sessionLabels: [],
        }),
        arguments: {},
      }).effect;
    assert.equal(decide(principal('https://a', 'alice', 'app', ['admins'])), 'allow');
    assert.equal(decide(principal('https://b', 'alice', 'app', ['admins'])), 'deny');
    assert.equal(decide(principal('https://a', 'root', 'app', [])), 'allow');
    assert.equal(decide(principal('https://b', 'root', 'app', [])), 'deny');
  });
});
