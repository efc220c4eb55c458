// Rules that span several config entries, which a per-entry schema cannot express.
import type { RampartConfig, ServerConfig } from './schema.ts';
import type { ConfigProblem } from './zod-issues.ts';

/** Problems with server names and namespaces; each points at the later of the two clashing entries. */
export function checkServerNames(config: RampartConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const nameOwner = new Map<string, number>();
  const namespaceOwner = new Map<string, number>();
  config.servers.forEach((server, index) => {
    const earlierName = nameOwner.get(server.name);
    if (earlierName === undefined) {
      nameOwner.set(server.name, index);
    } else {
      const message = `duplicate server name (see servers[${earlierName}])`;
      problems.push({ path: ['servers', index, 'name'], message });
    }

    // Same namespace means the exposed tool, prompt and resource names of the two servers can collide.
    const namespace = exposedNamespace(server);
    const earlierNamespace = namespaceOwner.get(namespace);
    const prefixClash = [...namespaceOwner].find(
      ([other]) =>
        namespace !== '' &&
        other !== '' &&
        (namespace.startsWith(`${other}${config.separator}`) ||
          other.startsWith(`${namespace}${config.separator}`)),
    );
    if (earlierNamespace === undefined && prefixClash && earlierName === undefined) {
      // `a` and `a__b` would both claim `a__b__tool`: routing would depend on list order.
      problems.push({
        path: ['servers', index, server.namespace === undefined ? 'name' : 'namespace'],
        message: `namespace "${namespace}" and "${prefixClash[0]}" (servers[${prefixClash[1]}]) overlap with separator "${config.separator}"; exposed names would be ambiguous`,
      });
      namespaceOwner.set(namespace, index);
    } else if (earlierNamespace === undefined) {
      namespaceOwner.set(namespace, index);
    } else if (earlierName === undefined) {
      // A duplicate name already explains the clash; one issue per entry is enough.
      problems.push({
        path: ['servers', index, server.namespace === undefined ? 'name' : 'namespace'],
        message:
          namespace === ''
            ? `only one server may have an empty namespace (see servers[${earlierNamespace}])`
            : `namespace "${namespace}" is already used by servers[${earlierNamespace}]; exposed names would collide`,
      });
    }
  });
  return problems;
}

function exposedNamespace(server: ServerConfig): string {
  return server.namespace ?? server.name;
}

/** The admin API authenticates approvers with access tokens, so it cannot run without `auth`. */
export function checkAdminNeedsAuth(config: RampartConfig): ConfigProblem[] {
  if (config.admin === undefined || config.auth !== undefined) return [];
  return [
    {
      path: ['admin'],
      message:
        'the admin API needs `auth`: approvers authenticate with access tokens carrying admin.requiredScope (there are no static admin credentials)',
    },
  ];
}
