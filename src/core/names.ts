// Exposed names for aggregated primitives: `<namespace><separator><name>` for tools and prompts, and a URI
// mapping for resources that round-trips (including resource templates, whose `{...}` expressions survive).

export interface Namespacing {
  namespace: string;
  separator: string;
}

export function exposeName(ns: Namespacing, name: string): string {
  return ns.namespace === '' ? name : `${ns.namespace}${ns.separator}${name}`;
}

/** The upstream's own name if `exposed` belongs to this namespace, else undefined. */
export function ownName(ns: Namespacing, exposed: string): string | undefined {
  if (ns.namespace === '') return exposed;
  const prefix = `${ns.namespace}${ns.separator}`;
  return exposed.startsWith(prefix) && exposed.length > prefix.length
    ? exposed.slice(prefix.length)
    : undefined;
}

const URI_SCHEME = 'rampart';

function encodeTemplate(uri: string): string {
  // Encode the literal parts only; RFC 6570 expressions stay so clients can still expand them.
  return uri
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith('{') && part.endsWith('}') ? part : encodeURIComponent(part)))
    .join('');
}

export function exposeUri(ns: Namespacing, uri: string): string {
  return ns.namespace === '' ? uri : `${URI_SCHEME}://${ns.namespace}/${encodeTemplate(uri)}`;
}

/** The namespace a mapped URI names, or undefined when the URI is not one of Rampart's mapped URIs. */
export function uriNamespace(exposed: string): string | undefined {
  const prefix = `${URI_SCHEME}://`;
  if (!exposed.startsWith(prefix)) return undefined;
  const slash = exposed.indexOf('/', prefix.length);
  return slash === -1 ? undefined : exposed.slice(prefix.length, slash);
}

/** The upstream's own URI for a mapped one, or undefined when it does not belong to this namespace. */
export function ownUri(ns: Namespacing, exposed: string): string | undefined {
  if (ns.namespace === '') return uriNamespace(exposed) === undefined ? exposed : undefined;
  const prefix = `${URI_SCHEME}://${ns.namespace}/`;
  if (!exposed.startsWith(prefix)) return undefined;
  try {
    return decodeURIComponent(exposed.slice(prefix.length));
  } catch {
    return undefined;
  }
}

/** `github__*` matches any name with that prefix; anything else matches exactly. */
export function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}
