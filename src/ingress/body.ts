// Reading and decoding an untrusted request body: size cap while streaming, strict UTF-8, nesting cap
// checked on the raw text before JSON.parse allocates anything.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { RampartError } from '../errors.ts';

/** Collects the body, failing with RAMPART_BODY_TOO_LARGE as soon as it passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new RampartError('RAMPART_BODY_TOO_LARGE'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new RampartError('RAMPART_BODY_TOO_LARGE'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Deepest array/object nesting in a JSON text, counting only brackets outside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/** Decodes and parses a body: RAMPART_INVALID_UTF8, RAMPART_JSON_TOO_DEEP or RAMPART_PARSE_ERROR on bad input. */
export function parseJsonBody(body: Buffer, maxDepth: number): unknown {
  if (!isUtf8(body)) throw new RampartError('RAMPART_INVALID_UTF8');
  const text = body.toString('utf8');
  if (jsonDepth(text) > maxDepth) throw new RampartError('RAMPART_JSON_TOO_DEEP');
  try {
    return JSON.parse(text);
  } catch {
    throw new RampartError('RAMPART_PARSE_ERROR');
  }
}
