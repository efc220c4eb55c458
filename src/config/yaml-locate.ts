// Maps a key path from a validation issue back to a line and column of the YAML source.
import type { Document, LineCounter } from 'yaml';
import { isAlias, isMap, isNode, isScalar, isSeq } from 'yaml';

export type KeyPath = readonly PropertyKey[];

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Position of the key at `path`, or of the deepest part of the path that exists when the rest is missing. */
export function locateKey(doc: Document, lineCounter: LineCounter, path: KeyPath): SourcePosition {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      // Compare as strings: a YAML key `8080:` is a number, while a zod path segment is always a string.
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair || !isScalar(pair.key)) break;
      offset = pair.key.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Renders a key path for humans: `servers[1].timeouts.requestMs`. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
