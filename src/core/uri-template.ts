// Matching a concrete URI against an MCP resource template (RFC 6570), to know which template a resource is of.

/**
 * True when `uri` matches an RFC 6570 level-1/2 template: `{var}` stands for one path segment's worth of
 * characters (no `/`), `{+var}` and `{#var}` for anything.
 */
export function matchesTemplate(uri: string, template: string): boolean {
  let pattern = '^';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open === -1) {
      pattern += escapeRegex(template.slice(i));
      break;
    }
    pattern += escapeRegex(template.slice(i, open));
    const close = template.indexOf('}', open);
    if (close === -1) return false;
    const expression = template.slice(open + 1, close);
    pattern += expression.startsWith('+') || expression.startsWith('#') ? '.*' : '[^/?#]*';
    i = close + 1;
  }
  return new RegExp(`${pattern}$`, 's').test(uri);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
