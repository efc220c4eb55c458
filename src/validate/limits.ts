// Structural limits checked before a schema ever sees the arguments: a validator walking a huge or deeply nested
// value costs time and stack, so such values are refused first, by a cheap iterative walk.

/** Bounds on a call's arguments (sizes in UTF-8 bytes of their JSON, lengths in UTF-16 code units). */
export interface ArgumentLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
}

export const DEFAULT_ARGUMENT_LIMITS: ArgumentLimits = {
  maxBytes: 1_048_576,
  maxDepth: 32,
  maxStringLength: 262_144,
  maxArrayLength: 10_000,
};

export type LimitName = keyof ArgumentLimits;

/** Which limit a value broke and where (a JSON pointer into the arguments). */
export interface LimitViolation {
  readonly limit: LimitName;
  readonly max: number;
  readonly path: string;
}

/** Escapes one JSON pointer reference token (RFC 6901). */
export function pointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The first limit `value` breaks, or undefined when it stays within all of them. */
export function checkArgumentLimits(value: unknown, limits: ArgumentLimits): LimitViolation | undefined {
  // Depth first, iteratively: JSON.stringify of a too-deep value could exhaust the stack itself.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.length > limits.maxStringLength) {
        return { limit: 'maxStringLength', max: limits.maxStringLength, path };
      }
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limits.maxDepth) return { limit: 'maxDepth', max: limits.maxDepth, path };
    if (Array.isArray(current)) {
      if (current.length > limits.maxArrayLength) {
        return { limit: 'maxArrayLength', max: limits.maxArrayLength, path };
      }
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], path: `${path}/${i}`, depth: depth + 1 });
      }
      continue;
    }
    const entries = Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const childPath = `${path}/${pointerToken(key)}`;
      if (key.length > limits.maxStringLength) {
        return { limit: 'maxStringLength', max: limits.maxStringLength, path: childPath };
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  if (bytes > limits.maxBytes) return { limit: 'maxBytes', max: limits.maxBytes, path: '' };
  return undefined;
}
