// The SSE parser handles every line ending, split chunks, comments, multi-line data and empty priming events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createSseParser, type SseEvent } from '../../src/upstream/sse-parser.ts';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const feed = createSseParser((e) => events.push(e));
  for (const chunk of chunks) feed(chunk);
  return events;
}

describe('SSE parser', () => {
  it('parses events with ids, names, comments and an empty priming event', () => {
    const events = parse([
      ': comment\r\nid: 1\r\ndata:\r\n\r\nevent: endpoint\ndata: /messages?x=1\n\ndata: {"a":\ndata: 1}\n\n',
    ]);
    assert.deepEqual(events, [
      { event: 'message', data: '', id: '1' },
      { event: 'endpoint', data: '/messages?x=1', id: '1' },
      { event: 'message', data: '{"a":\n1}', id: '1' },
    ]);
  });

  it('gives the same events however the stream is split', () => {
    const stream = 'data: {"jsonrpc":"2.0","id":1,"result":{}}\n\nevent: message\r\ndata: second\r\n\r\n';
    const whole = parse([stream]);
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 6 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(stream.slice(last, p));
          last = p;
        }
        chunks.push(stream.slice(last));
        assert.deepEqual(parse(chunks), whole);
      }),
    );
  });
});
