// Protocol constants shared by the ingress and the upstream connectors.

export const MODERN_VERSION = '2026-07-28';
export const LATEST_LEGACY_VERSION = '2025-11-25';
/** Legacy (initialize-based) revisions Rampart negotiates with clients and upstreams. */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;
export const MODERN_VERSIONS = [MODERN_VERSION] as const;

export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
export const MODERN_META_KEYS = [
  META_PROTOCOL_VERSION,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
];

export type Era = 'legacy' | 'modern';

/** Methods whose Mcp-Name header mirrors params.name or params.uri (2026-07-28 Streamable HTTP). */
export const NAMED_METHODS: Record<string, 'name' | 'uri' | 'taskId'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** The tasks extension of 2026-07-28 (SEP-2663), negotiated under capabilities.extensions. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export const RAMPART_INFO = { name: 'rampart', title: 'Rampart MCP gateway', version: '0.1.0' };

/** Encodes a header value with the Base64 sentinel when it is not plain visible ASCII (or looks encoded). */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value);
  if (plain && !(value.startsWith('=?base64?') && value.endsWith('?='))) return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Decodes a header value that may use the Base64 sentinel; undefined when the encoding is malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith('=?base64?') && value.endsWith('?='))) return value;
  const encoded = value.slice(9, -2);
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}
