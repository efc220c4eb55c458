// The demo's tools: harmless, deterministic apart from the clock, and no I/O.
import { CITIES, findCity } from './cities.ts';
import type { Params } from './rpc.ts';

export interface ToolResult {
  readonly content: readonly { readonly type: 'text'; readonly text: string }[];
  readonly structuredContent?: Record<string, unknown>;
  readonly isError?: boolean;
}

interface Tool {
  readonly definition: Record<string, unknown> & { readonly name: string };
  readonly run: (args: Params) => ToolResult;
}

/** Bad arguments are a tool execution error (isError), not a protocol error, as of 2025-11-25. */
class ToolInputError extends Error {}

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const echo: Tool = {
  definition: {
    name: 'echo',
    title: 'Echo',
    description: 'Returns the message it was given.',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'Text to send back.' } },
      required: ['message'],
      additionalProperties: false,
    },
    annotations: readOnly,
  },
  run: (args) => text(requireString(args, 'message')),
};

const add: Tool = {
  definition: {
    name: 'add',
    title: 'Add two numbers',
    description: 'Adds a and b.',
    inputSchema: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: { sum: { type: 'number' } },
      required: ['sum'],
    },
    annotations: readOnly,
  },
  run: (args) => {
    const sum = requireNumber(args, 'a') + requireNumber(args, 'b');
    return { ...text(String(sum)), structuredContent: { sum } };
  },
};

const getTime: Tool = {
  definition: {
    name: 'get_time',
    title: 'Current time',
    description: "The current time, in an IANA time zone if one is given (default: the server's zone).",
    inputSchema: {
      type: 'object',
      properties: { timeZone: { type: 'string', description: 'IANA time zone, e.g. Europe/Paris.' } },
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: { iso: { type: 'string' }, timeZone: { type: 'string' }, local: { type: 'string' } },
      required: ['iso', 'timeZone', 'local'],
    },
    annotations: { ...readOnly, idempotentHint: false },
  },
  run: (args) => {
    const requested = optionalString(args, 'timeZone');
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-GB', {
        dateStyle: 'full',
        timeStyle: 'long',
        timeZone: requested,
      });
    } catch {
      throw new ToolInputError(`unknown time zone: ${requested}`);
    }
    const now = new Date();
    const timeZone = format.resolvedOptions().timeZone;
    const local = format.format(now);
    return {
      ...text(`${local} (${timeZone})`),
      structuredContent: { iso: now.toISOString(), timeZone, local },
    };
  },
};

const lookupCity: Tool = {
  definition: {
    name: 'lookup_city',
    title: 'Look up a city',
    description: `Country, population and time zone of a city (${CITIES.map((c) => c.name).join(', ')}).`,
    inputSchema: {
      type: 'object',
      properties: { name: { type: 'string', description: 'City name, e.g. Lisbon.' } },
      required: ['name'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        country: { type: 'string' },
        population: { type: 'integer' },
        timeZone: { type: 'string' },
      },
      required: ['name', 'country', 'population', 'timeZone'],
    },
    annotations: readOnly,
  },
  run: (args) => {
    const name = requireString(args, 'name');
    const city = findCity(name);
    if (!city) throw new ToolInputError(`unknown city: ${name}`);
    const { slug: _slug, ...facts } = city;
    return {
      ...text(`${city.name}, ${city.country}: population ${city.population}, ${city.timeZone}`),
      structuredContent: facts,
    };
  },
};

const TOOLS: readonly Tool[] = [echo, add, getTime, lookupCity];

/** Definitions as tools/list returns them. */
export function listTools(): readonly Record<string, unknown>[] {
  return TOOLS.map((tool) => tool.definition);
}

/** True when a tool of that name exists (an unknown name is a protocol error, not a tool error). */
export function hasTool(name: string): boolean {
  return TOOLS.some((tool) => tool.definition.name === name);
}

/** Runs a tool; argument problems come back as an isError result the model can read and correct. */
export function callTool(name: string, args: Params): ToolResult {
  const tool = TOOLS.find((candidate) => candidate.definition.name === name);
  if (!tool) throw new Error(`unknown tool ${name}`);
  try {
    return tool.run(args);
  } catch (error) {
    if (error instanceof ToolInputError) return { ...text(error.message), isError: true };
    throw error;
  }
}

function text(value: string): ToolResult {
  return { content: [{ type: 'text', text: value }] };
}

function requireString(args: Params, key: string): string {
  const value = args[key];
  if (typeof value !== 'string') throw new ToolInputError(`argument "${key}" must be a string`);
  return value;
}

function optionalString(args: Params, key: string): string | undefined {
  return args[key] === undefined ? undefined : requireString(args, key);
}

function requireNumber(args: Params, key: string): number {
  const value = args[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ToolInputError(`argument "${key}" must be a number`);
  }
  return value;
}
