// The commented config that `rampart init` writes. Every value shown is valid; test/config/starter.test.ts
// runs it through the loader so it cannot rot when the schema changes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_POLICY_FILE } from '../policy/default-policy.ts';

export const STARTER_CONFIG = `# Rampart configuration. Reference for every option: docs/configuration.md
# Start with:  rampart serve --config rampart.yaml
# Unknown keys are errors, so a typo is reported with its line instead of being ignored.

# Where MCP clients connect: http://127.0.0.1:8787/mcp
listen:
  # Without authentication Rampart only binds to loopback addresses.
  host: 127.0.0.1
  # 0 picks a free port.
  port: 8787
  path: /mcp

# State (SQLite database, keys). Relative paths are resolved against this file's directory.
stateDir: .rampart

# The MCP servers Rampart fronts. Their tools are exposed as <name>__<tool>, e.g. everything__echo.
servers:
  # A local server from an npm package, pinned to an exact version and tarball hash. Rampart fetches it
  # from an allowed registry, checks the hash, the registry signature and the provenance attestation,
  # unpacks it into a content-addressed cache and runs it from there (never \`npx -y pkg@latest\`).
  # \`rampart server add npm:PKG@VERSION\` writes such an entry. A child inherits only PATH, HOME, LANG
  # and TZ from Rampart's environment; list anything else it needs under env.
  - name: everything
    package: npm:@modelcontextprotocol/server-everything@2026.8.31
    packageIntegrity: sha512-5U3OZh8Xq0Li4nA26l6uNvV9/1suMDuWSn+NjLZIhzinhMY6N3A4DCrxVecBGPf2PsNFKTEv5krxGPRwzxc7jQ==
    # env:
    #   EXAMPLE_TOKEN: change-me

  # A local command you installed yourself.
  # - name: local
  #   command: /usr/local/bin/my-mcp-server
  #   args: ["--stdio"]

  # A remote server reached over Streamable HTTP.
  # - name: remote
  #   url: http://127.0.0.1:3001/mcp
  #   headers:
  #     X-Example: value

# Tool integrity: every tool, prompt, resource template, the instructions and the identity of each
# server are pinned (SHA-256 of their canonical JSON). A new or changed definition is hidden and
# refused until approved: \`rampart tools pending\`, \`rampart tools diff ID\`, \`rampart tools approve\`.
# Modes: enforce (new servers too wait for approval), tofu (trust what a server serves the first
# time), monitor (record and audit only). A server entry may override it with \`integrity: tofu\`.
integrity:
  mode: enforce

# DNS-rebinding protection: requests whose Host or Origin header is not loopback are refused with 403
# unless listed here. Add the names a reverse proxy or remote clients use to reach Rampart.
security:
  allowedHosts: []
  allowedOrigins: []

# Resource limits protect Rampart and the servers behind it from oversized or runaway clients.
limits:
  # Larger request bodies get HTTP 413.
  maxBodyBytes: 4194304
  # Deeper JSON nesting is refused before any server sees it.
  maxJsonDepth: 64
  # Concurrent 2025-11-25 sessions; idle ones close after sessionIdleMs.
  maxSessions: 1000
  sessionIdleMs: 1800000
  # On SIGTERM/SIGINT, in-flight requests get this long to finish.
  shutdownGraceMs: 10000

# Authorization with Cedar policies (docs/policy-cookbook.md). policies/default.cedar is Rampart's
# default set, written by \`rampart init\`: it allows every call, except that a public_sink call is refused
# once the session has seen both private_data and untrusted_input (toxic-flow control). Label your tools
# below; tighten the set from docs/cookbook/ (baseline.cedar is default deny).
policy:
  files: [policies/default.cedar]
  # labels:
  #   everything__get-resource-reference: [private_data]
  #   remote__send_mail: [public_sink]

log:
  # debug, info, warn, error or silent; written to stderr as JSON lines.
  level: info
`;

/**
 * Writes the starter config to `path` and the default policy set beside it (policies/default.cedar); returns false
 * and leaves the config alone if it exists and !force. An existing policy file is never overwritten.
 */
export function writeStarterConfig(path: string, options: { force: boolean }): boolean {
  if (!writeOnce(path, STARTER_CONFIG, options.force)) return false;
  const policies = join(dirname(path), 'policies');
  mkdirSync(policies, { recursive: true });
  writeOnce(join(policies, 'default.cedar'), readFileSync(DEFAULT_POLICY_FILE, 'utf8'), false);
  return true;
}

function writeOnce(path: string, text: string, force: boolean): boolean {
  try {
    // 'wx' fails if the file exists, without a window between checking and writing.
    writeFileSync(path, text, { flag: force ? 'w' : 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
