// Every string of a tool definition with the path it came from: attacks hide in property names, enums, defaults and
// nested schemas as easily as in the description, so each one is scanned.

/** One scanned string and where it sits in the definition. */
export interface Field {
  readonly path: string;
  readonly text: string;
  /** `name` for identifiers (tool name, property names), `text` for prose. */
  readonly kind: 'name' | 'text';
}

export interface ToolMetadata {
  readonly name: string;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly inputSchema?: unknown;
  readonly annotations?: unknown;
}

// Bounds keep a hostile schema (deep or huge) from turning a microsecond scan into a slow one.
const MAX_DEPTH = 12;
const MAX_FIELDS = 500;

/** The strings of `tool`, in a stable order: name, title, description, then the schema depth-first. */
export function toolFields(tool: ToolMetadata): Field[] {
  const out: Field[] = [{ path: 'name', text: tool.name, kind: 'name' }];
  if (typeof tool.title === 'string' && tool.title)
    out.push({ path: 'title', text: tool.title, kind: 'text' });
  if (typeof tool.description === 'string' && tool.description) {
    out.push({ path: 'description', text: tool.description, kind: 'text' });
  }
  walk(tool.inputSchema, 'inputSchema', 0, out);
  walk(tool.annotations, 'annotations', 0, out);
  return out;
}

function walk(value: unknown, path: string, depth: number, out: Field[]): void {
  if (out.length >= MAX_FIELDS || depth > MAX_DEPTH || value === null || value === undefined) return;
  if (typeof value === 'string') {
    if (value) out.push({ path, text: value, kind: 'text' });
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], `${path}[${i}]`, depth + 1, out);
    return;
  }
  if (typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    // Keys under `properties` are parameter names the model fills in: scanned as identifiers.
    if (path.endsWith('.properties') || path.endsWith('.patternProperties')) {
      out.push({ path: `${path}.${key}`, text: key, kind: 'name' });
    }
    // Structural keywords (`type: "string"`, `format`, `$ref`) say nothing an attacker controls in prose.
    if (key === 'type' || key === 'format' || key === '$schema' || key === '$ref' || key === 'pattern')
      continue;
    walk(v, `${path}.${key}`, depth + 1, out);
  }
}
