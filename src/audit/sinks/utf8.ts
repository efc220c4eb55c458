// Byte-bounded text for wire formats with size limits (syslog over UDP, SIEM field caps): a cut never lands
// inside a UTF-8 sequence, so the receiver never sees a broken character.

/** The longest prefix of `bytes` of at most `max` bytes that ends on a character boundary. */
export function cutUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = Math.max(0, max);
  // bytes[end] is the first byte left out; while it is a continuation byte (10xxxxxx) the character it belongs
  // to started before `end` and would be cut.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}

/** `text` shortened to at most `max` UTF-8 bytes. */
export function cutText(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= max ? text : cutUtf8(bytes, max).toString('utf8');
}
