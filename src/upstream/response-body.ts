// Reading what an upstream (or its authorization server) answers without trusting its size or syntax.
import type { Dispatcher } from 'undici';
import { RampartError } from '../errors.ts';

/** Reads a body as text, failing with RAMPART_UPSTREAM_PROTOCOL once it passes `max` bytes. */
export async function readCapped(
  body: Dispatcher.ResponseData['body'],
  max: number,
  what: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw new RampartError('RAMPART_UPSTREAM_PROTOCOL', `${what} is too large.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON.parse that answers undefined instead of throwing. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
