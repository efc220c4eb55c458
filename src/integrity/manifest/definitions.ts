// A publisher's definitions file, as `rampart manifest build --from` reads it: what the server returns from
// tools/list, prompts/list, resources/templates/list and initialize, gathered in one JSON object:
// `{tools: [...], prompts: [...], resourceTemplates: [...], instructions?: "...", serverInfo?: {name, ...}}`.
import { isObject, type JsonObject } from '../../core/jsonrpc.ts';
import type { ServedDefinitions } from '../pins.ts';
import { ManifestError } from './manifest-error.ts';

/** ServedDefinitions from a parsed definitions file; throws ManifestError naming the first bad entry. */
export function servedFromDefinitions(json: unknown): ServedDefinitions {
  if (!isObject(json)) bad('is not a JSON object');
  const known = new Set(['tools', 'prompts', 'resourceTemplates', 'instructions', 'serverInfo']);
  const unknown = Object.keys(json).filter((key) => !known.has(key));
  if (unknown.length > 0) bad(`has unknown keys ${unknown.join(', ')} (expected ${[...known].join(', ')})`);
  const instructions = json['instructions'];
  if (instructions !== undefined && typeof instructions !== 'string') bad('instructions: must be a string');
  const serverInfo = json['serverInfo'];
  if (serverInfo !== undefined && !(isObject(serverInfo) && typeof serverInfo['name'] === 'string')) {
    bad('serverInfo: must be an object with a string `name`');
  }
  return {
    tools: list(json, 'tools', 'name'),
    prompts: list(json, 'prompts', 'name'),
    resourceTemplates: list(json, 'resourceTemplates', 'uriTemplate'),
    instructions,
    identity: serverInfo === undefined ? undefined : { name: (serverInfo as JsonObject)['name'] as string },
  };
}

function list(json: JsonObject, key: string, keyField: string): JsonObject[] {
  const value = json[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) bad(`${key}: must be an array`);
  value.forEach((item, index) => {
    if (!isObject(item) || typeof item[keyField] !== 'string' || item[keyField] === '') {
      bad(`${key}[${index}]: must be an object with a non-empty string \`${keyField}\``);
    }
  });
  return value as JsonObject[];
}

function bad(reason: string): never {
  throw new ManifestError('RAMPART_MANIFEST_INVALID', `the definitions file ${reason}`);
}
