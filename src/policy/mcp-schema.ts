// The Cedar schema of MCP as Rampart authorizes it: who calls (User, Agent, Group), what is called (Server, Tool,
// Prompt, Resource, ResourceTemplate, Catalog), one action per MCP operation, and the context of a request.
// Policies are validated against it (strict mode) at load; `context.arguments` is typed from the tools' input
// schemas (see arguments-type.ts), so a policy that misreads an argument's type is caught before it runs.

/** The MCP operations a policy decides on, and the resource types each applies to. */
export const ACTIONS = {
  call: ['Tool'],
  read: ['Resource', 'ResourceTemplate'],
  get: ['Prompt'],
  list: ['Catalog'],
  complete: ['Prompt', 'Resource', 'ResourceTemplate'],
  subscribe: ['Resource'],
  sample: ['Server'],
  elicit: ['Server'],
  roots: ['Server'],
} as const;
export type PolicyAction = keyof typeof ACTIONS;
export type ResourceType = 'Server' | 'Tool' | 'Prompt' | 'Resource' | 'ResourceTemplate' | 'Catalog';
export type PrincipalType = 'User' | 'Agent';

/** The context every action sees; `call` and `get` add `arguments`, `list` adds `kind`. */
const COMMON_CONTEXT = `
    scopes: Set<String>,
    time: Time,
    sourceAddress?: ipaddr,
    binding: String,
    agent: String,
    clientId: String,
    tenant: String,
    era: String,
    sessionLabels: Set<String>,`;

/**
 * The schema text with `argumentsType` (a Cedar record type expression) as the type of `context.arguments`.
 * Every attribute of Arguments is optional: which ones a call carries depends on the tool. Prompt arguments are
 * strings (MCP), typed the same way from the prompts' declared arguments.
 */
export function mcpSchemaText(argumentsType = '{}', promptArgumentsType = '{}'): string {
  const actions = Object.entries(ACTIONS)
    .map(([action, resources]) => {
      const extra =
        action === 'call'
          ? '\n    arguments: Arguments,'
          : action === 'get'
            ? '\n    arguments: PromptArguments,'
            : '';
      const context = action === 'list' ? `${COMMON_CONTEXT}\n    kind: String,` : COMMON_CONTEXT + extra;
      return `action "${action}" appliesTo {\n  principal: [User, Agent],\n  resource: [${resources.join(', ')}],\n  context: {${context}\n  }\n};`;
    })
    .join('\n');
  return `${BASE_SCHEMA}
type Arguments = ${argumentsType};
type PromptArguments = ${promptArgumentsType};
${actions}
`;
}

const BASE_SCHEMA = `// Rampart's Cedar schema for MCP.
entity Group in [Group];

// A person (a token with a user subject), or Agent for a token that only names a client (client credentials).
entity User in [Group] {
  subject: String,
  issuer: String,
  roles: Set<String>,
  tenant: String,
};
entity Agent in [Group] {
  clientId: String,
  issuer: String,
  roles: Set<String>,
  tenant: String,
};

// The hints a server declares on a tool, with the MCP defaults filled in (hints are untrusted until pinned).
type Annotations = {
  readOnlyHint: Bool,
  destructiveHint: Bool,
  idempotentHint: Bool,
  openWorldHint: Bool,
};

entity Server {
  name: String,
  labels: Set<String>,
};
entity Tool in [Server] {
  name: String,
  exposedName: String,
  server: String,
  annotations: Annotations,
  labels: Set<String>,
  risk: Long,
};
entity Prompt in [Server] {
  name: String,
  exposedName: String,
  server: String,
  labels: Set<String>,
  risk: Long,
};
// uriTemplate and uri are what clients see (namespaced by Rampart); upstreamUri* are the server's own.
entity ResourceTemplate in [Server] {
  uriTemplate: String,
  upstreamUriTemplate: String,
  server: String,
  labels: Set<String>,
  risk: Long,
};
entity Resource in [Server, ResourceTemplate] {
  uri: String,
  upstreamUri: String,
  server: String,
  mimeType: String,
  labels: Set<String>,
  risk: Long,
};
// One per list kind: Catalog::"tools", "prompts", "resources", "resourceTemplates".
entity Catalog;

// Wall-clock time in the policy time zone, to the minute (so decisions can be cached per minute).
type Time = {
  hour: Long,
  minute: Long,
  weekday: String,
  date: String,
  timezone: String,
};
`;
