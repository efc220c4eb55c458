// The session context of a tools item when it carries no `other_tools`: the other tool names of its `server`.

/** For each item (by index), the names of the other tools that share its `server` in `items`. */
export function sameServerTools(items: readonly Record<string, unknown>[]): string[][] {
  const byServer = new Map<string, Set<string>>();
  for (const item of items) {
    const server = item['server'];
    const name = item['tool_name'] ?? item['name'];
    if (typeof server !== 'string' || typeof name !== 'string') continue;
    let names = byServer.get(server);
    if (!names) {
      names = new Set();
      byServer.set(server, names);
    }
    names.add(name);
  }
  return items.map((item) => {
    const server = item['server'];
    const name = item['tool_name'] ?? item['name'];
    if (typeof server !== 'string') return [];
    return [...(byServer.get(server) ?? [])].filter((n) => n !== name);
  });
}
