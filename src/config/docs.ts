// Generates docs/configuration.md from the config schema, so the reference cannot drift from the code:
// test/config/docs.test.ts fails when the committed file differs from this output.
import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The subset of JSON Schema that z.toJSONSchema emits for the config schema. */
interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly minItems?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
}

interface Section {
  readonly heading: string;
  readonly description: string | undefined;
  readonly rows: readonly string[];
}

// The server list is a union; each variant is named after the key that selects it.
const VARIANT_NAMES: Readonly<Record<string, string>> = { command: 'stdio server', url: 'HTTP server' };

const INTRO = `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; edit the schema, not this file. -->

Rampart reads one YAML file. \`rampart init\` writes a commented starter config to \`rampart.yaml\` (it refuses to
overwrite an existing file unless you pass \`--force\`), and \`rampart serve --config rampart.yaml\` runs it.
Without \`--config\`, \`rampart serve\` runs an embedded demo: Rampart on 127.0.0.1:8787 in front of a bundled
demo MCP server, with its state under \`./.rampart/\`.

A small config needs only \`servers\`; every other key has a default:

\`\`\`yaml
listen: { host: 127.0.0.1, port: 8787 }
servers:
  - name: everything
    command: npx
    args: ["-y", "@modelcontextprotocol/server-everything"]
  - name: remote
    url: http://127.0.0.1:3001/mcp
\`\`\`

Each entry of \`servers\` is either a **stdio server** (it has \`command\`; Rampart starts and supervises the
process) or an **HTTP server** (it has \`url\`). Relative paths (\`stateDir\`, a server's \`cwd\`) are resolved
against the directory of the config file, so the file means the same wherever Rampart is started.

The file is checked completely before Rampart starts. Unknown keys are errors, so a typo cannot silently
disable a setting. Every problem is reported with its file, line, column and key, for example:

\`\`\`
rampart.yaml:3:3: listen.port: Invalid input: expected number, received string
rampart.yaml:9:5: servers[1].name: duplicate server name (see servers[0])
\`\`\`

Types below use JSON Schema terms: an integer is a whole number, a map is a YAML mapping with keys of
your choice. Durations are in milliseconds.
`;

/** The markdown of docs/configuration.md, generated from the config schema. */
export function renderConfigReference(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input' }) as SchemaNode;
  const sections: Section[] = [];
  collectSections(root, '', 'Top-level keys', sections, new Set());
  const body = sections.map(renderSection).join('\n');
  return `${INTRO}\n${body}`;
}

function collectSections(
  node: SchemaNode,
  prefix: string,
  heading: string,
  out: Section[],
  seen: Set<string>,
) {
  // Both server variants share `timeouts`; document each key path once.
  if (seen.has(heading)) return;
  seen.add(heading);
  const properties = Object.entries(node.properties ?? {});
  const required = new Set(node.required ?? []);
  out.push({
    heading,
    description: node.description,
    rows: properties.map(([key, child]) => renderRow(joinPath(prefix, key), child, required.has(key))),
  });
  for (const [key, child] of properties) {
    const path = joinPath(prefix, key);
    visit(child, path, out, seen);
    if (child.items) visit(child.items, `${path}[]`, out, seen);
  }
}

/** Documents an object, or each object variant of a union, found at `path`. */
function visit(node: SchemaNode, path: string, out: Section[], seen: Set<string>) {
  if (node.properties) collectSections(node, path, `\`${path}\``, out, seen);
  (node.anyOf ?? node.oneOf ?? []).forEach((variant, index) => {
    if (!variant.properties) return;
    const name = variantName(variant) ?? `variant ${index + 1}`;
    collectSections(variant, path, `\`${path}\`: ${name}`, out, seen);
  });
}

function variantName(variant: SchemaNode): string | undefined {
  const tag = Object.entries(variant.properties ?? {}).find(([, child]) => child.const !== undefined);
  if (tag) return `${tag[0]}: \`${String(tag[1].const)}\``;
  // A stdio server's `command` is optional (it may give `package` instead) but still names the variant.
  const selector =
    variant.required?.find((key) => key in VARIANT_NAMES) ??
    Object.keys(variant.properties ?? {}).find((key) => key in VARIANT_NAMES);
  if (selector !== undefined) return `${VARIANT_NAMES[selector]} (\`${selector}\`)`;
  const only = Object.keys(variant.properties ?? {});
  return only.length === 1 ? `\`${only[0]}\`` : undefined;
}

function renderSection(section: Section): string {
  const lines = [`## ${section.heading}`, ''];
  if (section.description) lines.push(section.description, '');
  lines.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |', ...section.rows, '');
  return lines.join('\n');
}

function renderRow(path: string, node: SchemaNode, required: boolean): string {
  const cells = [`\`${path}\``, typeText(node), defaultText(path, node, required), node.description ?? ''];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function typeText(node: SchemaNode): string {
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  if (node.enum) return listInWords(node.enum.map((value) => `\`${String(value)}\``));
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return variants.map(typeText).join(' or ');
  switch (node.type) {
    case 'string':
      return stringType(node);
    case 'integer':
    case 'number':
      return numberType(node);
    case 'array': {
      const items = node.items;
      const what = !items
        ? 'values'
        : items.properties || items.anyOf
          ? 'entries (see below)'
          : pluralType(items);
      return node.minItems ? `list of ${what}, at least ${node.minItems}` : `list of ${what}`;
    }
    case 'object':
      if (node.properties) return 'object (see below)';
      if (typeof node.additionalProperties === 'object') {
        return `map of string to ${typeText(node.additionalProperties)}`;
      }
      return 'object';
    default:
      return node.type ?? 'any';
  }
}

function pluralType(node: SchemaNode): string {
  const single = typeText(node);
  return /^[a-z]+$/.test(single) ? `${single}s` : single;
}

function listInWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function stringType(node: SchemaNode): string {
  if (node.format === 'uri') return 'URL';
  // zod's startsWith() becomes an escaped prefix pattern; show the prefix itself.
  if (node.format === 'starts_with' && node.pattern) {
    const prefix = node.pattern.replace(/^\^/, '').replace(/\.\*$/, '').replace(/\\(.)/g, '$1');
    return `string starting with \`${prefix}\``;
  }
  const base = node.minLength && node.minLength > 0 ? 'non-empty string' : 'string';
  return node.pattern ? `${base} matching \`${node.pattern}\`` : base;
}

function numberType(node: SchemaNode): string {
  const name = node.type === 'integer' ? 'integer' : 'number';
  const max = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  if (node.minimum !== undefined && max !== undefined) return `${name} ${node.minimum}–${max}`;
  if (node.exclusiveMinimum !== undefined) return `${name} > ${node.exclusiveMinimum}`;
  if (node.minimum !== undefined) return `${name} ≥ ${node.minimum}`;
  return name;
}

function defaultText(path: string, node: SchemaNode, required: boolean): string {
  if (!('default' in node)) return required ? '**required**' : '–';
  const value = node.default;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    return 'see below';
  }
  if (typeof value === 'string') return value === '' ? '`""`' : `\`${value}\``;
  if (typeof value === 'number') return `\`${value}\`${unitHint(path, value)}`;
  return `\`${JSON.stringify(value)}\``;
}

// Raw milliseconds and bytes are hard to read; the key name says which unit a number is in.
function unitHint(path: string, value: number): string {
  if (path.endsWith('Ms') && value >= 1000) {
    if (value % 60_000 === 0) return ` (${value / 60_000} min)`;
    if (value % 1000 === 0) return ` (${value / 1000} s)`;
  }
  if (path.endsWith('Bytes') && value >= 1024 * 1024 && value % (1024 * 1024) === 0) {
    return ` (${value / (1024 * 1024)} MiB)`;
  }
  return '';
}

function joinPath(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

// `node src/config/docs.ts > docs/configuration.md` regenerates the reference without the CLI.
if (import.meta.main) process.stdout.write(renderConfigReference());
