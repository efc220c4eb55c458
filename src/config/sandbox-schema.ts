// How a stdio server Rampart starts is confined (src/sandbox). Confinement is the default: a server entry without
// `sandbox` runs under bubblewrap with no network, and does not start where bubblewrap is missing. Running a child
// unconfined takes an explicit `sandbox: off`, which `rampart review` reports.
import { z } from 'zod';

const absoluteOrRelative = z.string().min(1);

const bind = z
  .strictObject({
    path: absoluteOrRelative.describe("Host path (relative to the config file's directory)."),
    mode: z.enum(['ro', 'rw']).default('ro').describe('`ro` read-only (default) or `rw` read-write.'),
  })
  .describe(
    'A host path the server may see, at the same place inside the sandbox. With Rampart running as root, an `rw` path must be writable by the sandbox uid.',
  );

const hostPattern = z
  .string()
  .regex(
    /^(\*\.)?[A-Za-z0-9.:[\]-]+(:\d{1,5})?$/,
    'a host name, `*.example.com`, or an IP address, optionally with `:port`',
  );

const egress = z
  .strictObject({
    allow: z
      .array(hostPattern)
      .min(1)
      .describe(
        'Hosts the server may connect to through the egress proxy: `api.example.com`, `*.example.com` (subdomains only) or an IP literal, each optionally with `:port` (else `ports` apply). Private, loopback, link-local and metadata addresses are refused unless named here as an IP literal.',
      ),
    ports: z
      .array(z.number().int().min(1).max(65_535))
      .min(1)
      .default([443])
      .describe('Ports allowed for hosts listed without a port.'),
  })
  .describe(
    "Outbound connections only through Rampart's egress proxy (HTTP CONNECT; `HTTPS_PROXY` is set for the server), each one checked against `allow` and recorded as an audit event.",
  );

const limits = z
  .strictObject({
    memoryMb: z
      .number()
      .int()
      .min(256)
      .default(2048)
      .describe(
        'Address-space limit per process (RLIMIT_AS). Node.js reserves about 1.5 GiB of address space at start, so stay at 2048 or above for Node servers.',
      ),
    processes: z
      .number()
      .int()
      .min(4)
      .default(64)
      .describe(
        'Most processes and threads the sandbox user may run (RLIMIT_NPROC): a fork bomb stops here.',
      ),
    openFiles: z.number().int().min(16).default(256).describe('Most open file descriptors (RLIMIT_NOFILE).'),
    cpuSeconds: z
      .number()
      .int()
      .positive()
      .default(3600)
      .describe('CPU time per process (RLIMIT_CPU); a server that uses it up is killed and restarted.'),
  })
  .describe('Resource limits of the sandboxed processes.');

export const sandboxSchema = z
  .union([
    z
      .literal('off')
      .describe("Run the server unconfined, with Rampart's own privileges (reported by `rampart review`)."),
    z
      .strictObject({
        paths: z
          .array(bind)
          .default([])
          .describe(
            "Host paths bound into the sandbox. The server's program, its script and working directory are bound read-only without being listed.",
          ),
        network: z
          .union([z.literal('none'), z.strictObject({ egress })])
          .default('none')
          .describe(
            '`none`: a private network namespace with only loopback (default). `{egress: {...}}`: outbound only through the egress proxy.',
          ),
        inheritEnv: z
          .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
          .default(['LANG', 'TZ'])
          .describe(
            "Names of Rampart's environment variables passed through (besides `env`). PATH is a fixed system path and HOME the sandbox's private home.",
          ),
        uid: z
          .number()
          .int()
          .min(1)
          .max(4_294_967_294)
          .default(65_534)
          .describe(
            "Host uid (and gid) the sandbox runs as when Rampart runs as root. Otherwise it runs as Rampart's own user; inside it is always uid 65534.",
          ),
        limits: limits.prefault({}),
      })
      .describe('Confinement settings.'),
  ])
  .prefault({})
  .describe(
    'How the server is confined: under bubblewrap with a read-only system, private /tmp and home, new pid/ipc/uts/network namespaces, no capabilities, no new privileges, an unprivileged uid and resource limits (default), or `off`.',
  );

export type SandboxConfig = z.infer<typeof sandboxSchema>;
export type SandboxSettings = Exclude<SandboxConfig, 'off'>;
