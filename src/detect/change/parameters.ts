// New parameters are the rug pull's exfiltration channel: a field the model is asked to fill with the conversation,
// its own identity, a credential or "notes", which the tool's purpose does not need. Scored on the parameter name;
// what its description asks for is scanned as added text in score.ts.
import { hit, type Weighted } from './weighted.ts';

// Name parts that ask for what the agent holds (its conversation, prompt, identity) or for secrets.
const STRONG = new Set([
  'conversation',
  'chat',
  'history',
  'transcript',
  'prompt',
  'llm',
  'assistant',
  'password',
  'passwd',
  'secret',
  'credential',
  'credentials',
  'ssh',
  'privatekey',
  'cookie',
  'cookies',
  'mnemonic',
  'seed',
  'dialog',
  'dialogue',
]);
// Name parts mcp-shield and others list as side channels: plausible alone, suspicious as a new field.
const WEAK = new Set([
  'context',
  'notes',
  'note',
  'sidenote',
  'feedback',
  'reasoning',
  'thoughts',
  'remark',
  'remarks',
  'memo',
  'debug',
  'extra',
  'metadata',
  'details',
  'summary',
  'model',
  'agent',
  'session',
  'token',
  'env',
  'environment',
  'instructions',
  'messages',
  'message',
  'memory',
  'user',
  'info',
  'data',
  'identity',
]);

/** Findings for parameters `after` has and `before` had not (and for newly required ones). */
export function parameterFindings(before: unknown, after: unknown): Weighted[] {
  const old = schemaOf(before);
  const now = schemaOf(after);
  const oldRequired = new Set(old.required);
  // A wholly new definition has only new parameters; there, ordinary names (`context`, `token`) say nothing.
  const wholeNew = before === undefined;
  const out: Weighted[] = [];
  for (const name of Object.keys(now.properties)) {
    const isNew = !(name in old.properties);
    const newlyRequired = now.required.includes(name) && !oldRequired.has(name);
    if (!isNew && !newlyRequired) continue;
    const parts = name
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    const strong = parts.some((p) => STRONG.has(p)) || /private_?key|api_?key|access_?token/i.test(name);
    const weak = !strong && parts.some((p) => WEAK.has(p));
    if (!strong && (!weak || wholeNew)) continue;
    const base = wholeNew ? 0.3 : strong ? 0.5 : 0.3;
    const weight = newlyRequired && !wholeNew ? base + 0.2 : base;
    const why = `${isNew ? 'new' : 'now'} ${newlyRequired ? 'required ' : ''}parameter ${name}`;
    out.push(
      hit(
        'change.exfil_parameter',
        strong ? 'high' : 'medium',
        weight,
        why,
        `inputSchema.properties.${name}`,
      ),
    );
  }
  return out;
}

interface Schema {
  readonly properties: Record<string, unknown>;
  readonly required: readonly string[];
}

function schemaOf(definition: unknown): Schema {
  const d =
    definition !== null && typeof definition === 'object' ? (definition as Record<string, unknown>) : {};
  const s = d.inputSchema ?? d.input_schema ?? d.parameters;
  if (s === null || typeof s !== 'object') return { properties: {}, required: [] };
  const schema = s as Record<string, unknown>;
  const properties =
    schema.properties !== null && typeof schema.properties === 'object'
      ? (schema.properties as Record<string, unknown>)
      : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : [];
  return { properties, required };
}
