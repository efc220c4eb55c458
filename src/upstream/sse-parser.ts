// Incremental text/event-stream parser (WHATWG "server-sent events" rules that matter here): CRLF, LF or CR line
// ends, comments, multi-line data, and empty `data:` priming events, which are reported with data ''.

export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** The longest line or event data accepted (characters). */
const MAX_LINE_CHARS = 32 * 1024 * 1024;

/** Returns a feed function; call it with each decoded chunk, it emits complete events (and `retry` values). */
export function createSseParser(
  onEvent: (event: SseEvent) => void,
  onRetry?: (ms: number) => void,
): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let sawField = false;
  const dispatch = () => {
    if (sawField) onEvent({ event: event || 'message', data: data.join('\n'), id });
    data = [];
    event = '';
    sawField = false;
  };
  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data.push(value);
      sawField = true;
    } else if (field === 'event') {
      event = value;
      sawField = true;
    } else if (field === 'id') {
      id = value;
      sawField = true;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      onRetry?.(Number(value));
    }
  };
  // A CRLF split across two chunks must count as one line end, not two.
  let pendingCR = false;
  return (chunk: string) => {
    if (chunk === '') return;
    if (pendingCR && chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    pendingCR = false;
    buffer += chunk;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c === 10 || c === 13) {
        line(buffer.slice(start, i));
        if (c === 13) {
          if (i + 1 === buffer.length) pendingCR = true;
          else if (buffer.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
    }
    buffer = buffer.slice(start);
    // A line (or event) without end is a broken or hostile server: drop it rather than grow without bound.
    if (buffer.length > MAX_LINE_CHARS) buffer = '';
    if (data.reduce((n, d) => n + d.length, 0) > MAX_LINE_CHARS) {
      data = [];
      sawField = false;
    }
  };
}
