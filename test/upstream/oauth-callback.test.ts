// The browser leg of an upstream OAuth authorization comes back to Rampart's own /oauth/callback route: the
// pending authorization with that state is completed once, anything else is refused without echoing input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('upstream OAuth callback route', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({ servers: [fixtureServer('fx', 'legacy')] });
  });
  after(() => gw.stop());

  it('completes the pending authorization with the code, once, and refuses unknown states', async () => {
    const origin = new URL(gw.url).origin;
    assert.equal(gw.rampart.authorizer.redirectUri, `${origin}/oauth/callback`);
    const pending = gw.rampart.authorizer.authorize({
      url: 'https://as.example/authorize?state=s-1',
      state: 's-1',
      redirectUri: `${origin}/oauth/callback`,
      upstream: 'remote',
      issuer: 'https://as.example',
    });
    const first = await request(
      `${origin}/oauth/callback?code=the-code&state=s-1&iss=https%3A%2F%2Fas.example`,
    );
    assert.equal(first.statusCode, 200);
    await first.body.dump();
    const response = await pending;
    assert.equal(response.code, 'the-code');
    assert.equal(response.state, 's-1');
    const replay = await request(`${origin}/oauth/callback?code=the-code&state=s-1`);
    assert.equal(replay.statusCode, 400);
    const text = await replay.body.text();
    assert.doesNotMatch(text, /the-code/);
    const unknown = await request(`${origin}/oauth/callback?code=x&state=%3Cscript%3E`);
    assert.equal(unknown.statusCode, 400);
    assert.doesNotMatch(await unknown.body.text(), /script/);
  });
});
