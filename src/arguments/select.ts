// Finds the rules that apply to a call and the values they guard: a tool pattern with a trailing `*`, and a
// parameter given as a JSON pointer (`/a/b/0`) or a top-level property name.

/** True when an exposed tool name matches a pattern (exact, or prefix when the pattern ends with `*`). */
export function toolMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** The value a parameter names in the arguments (undefined when absent). */
export function parameterValue(args: unknown, parameter: string): unknown {
  if (!parameter.startsWith('/')) {
    return isRecord(args) && Object.hasOwn(args, parameter) ? args[parameter] : undefined;
  }
  let current: unknown = args;
  for (const raw of parameter.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(key)) current = current[Number(key)];
    else if (isRecord(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
