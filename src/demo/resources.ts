// Two fixed resources plus a template (one JSON document per city) for resources/read and completion.
import { CITIES, findCity } from './cities.ts';
import { RPC_ERROR, RpcFailure } from './rpc.ts';

const README_URI = 'demo://readme';
const CITIES_URI = 'demo://cities';
const CITY_PREFIX = 'demo://cities/';
export const CITY_TEMPLATE = 'demo://cities/{name}';

const README = `# Rampart demo server

A small MCP server bundled with Rampart so \`rampart serve\` works without any configuration.
Tools: echo, add, get_time, lookup_city. Prompt: plan_trip. Resources: this file, the city list and
one document per city (${CITY_TEMPLATE}).
`;

/** Definitions as resources/list returns them. */
export function listResources(): readonly object[] {
  return [
    {
      uri: README_URI,
      name: 'readme',
      title: 'About the demo server',
      mimeType: 'text/markdown',
      size: README.length,
    },
    { uri: CITIES_URI, name: 'cities', title: 'Known cities', mimeType: 'application/json' },
  ];
}

/** Definitions as resources/templates/list returns them. */
export function listResourceTemplates(): readonly object[] {
  return [
    {
      uriTemplate: CITY_TEMPLATE,
      name: 'city',
      title: 'One city',
      description: 'Facts about one city; {name} is a slug such as lisbon.',
      mimeType: 'application/json',
    },
  ];
}

/** The resources/read result; an unknown URI is RESOURCE_NOT_FOUND (-32002). */
export function readResource(uri: string): object {
  if (uri === README_URI) return contents(uri, 'text/markdown', README);
  if (uri === CITIES_URI) return contents(uri, 'application/json', JSON.stringify(CITIES, null, 2));
  if (uri.startsWith(CITY_PREFIX)) {
    const city = findCity(decodeURIComponent(uri.slice(CITY_PREFIX.length)));
    if (city) return contents(uri, 'application/json', JSON.stringify(city, null, 2));
  }
  throw new RpcFailure(RPC_ERROR.RESOURCE_NOT_FOUND, 'Resource not found', { uri });
}

function contents(uri: string, mimeType: string, text: string): object {
  return { contents: [{ uri, mimeType, text }] };
}
