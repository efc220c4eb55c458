// A deliberately independent text/event-stream reader for the test client: the harness must not share the
// gateway's own parser, or a parser bug would hide itself on both sides of the wire.

export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

/** Yields the events of an SSE body (LF, CRLF or CR line ends; comments skipped; multi-line data joined). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let seen = false;
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    // A trailing CR may be the first half of a CRLF split across chunks: hold it back with the last,
    // possibly incomplete, line.
    const heldCR = buffer.endsWith('\r');
    const lines = (heldCR ? buffer.slice(0, -1) : buffer).split(/\r\n|\n|\r/);
    buffer = (lines.pop() ?? '') + (heldCR ? '\r' : '');
    for (const line of lines) {
      if (line === '') {
        if (seen) yield { event: event || 'message', data: data.join('\n'), id };
        data = [];
        event = '';
        seen = false;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      seen = true;
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  }
}
