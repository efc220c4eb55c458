// Wires the quarantine into a running gateway: its pins live in rampart.db, every change it finds and every
// decision is a `pin_changed` audit event (approver and reason included) and quarantines raise an alert; decisions
// made anywhere refresh the affected servers' lists; all lists are re-checked periodically.
import type { AuditLog } from '../audit/audit-log.ts';
import type { RampartConfig } from '../config/schema.ts';
import type { Gateway } from '../core/gateway.ts';
import { exposeName, nameMatches } from '../core/names.ts';
import { changeRisk } from '../detect/change/risk.ts';
import { scanToolMetadata, type ToolMetadata } from '../detect/metadata/index.ts';
import { METADATA_THRESHOLD, riskScore } from '../detect/score.ts';
import type { AlertHub } from '../monitor/alert-hub.ts';
import { RULE_IDS } from '../monitor/anomaly/alert.ts';
import type { Logger } from '../monitor/logger.ts';
import { DefinitionRisk } from './definition-risk.ts';
import { renderFieldDiff } from './field-diff.ts';
import { GatewayIntegrity } from './gateway-integrity.ts';
import { loadVerifiedManifest } from './manifest/load.ts';
import type { PinChange } from './pin-store.ts';
import { PinStore } from './pin-store.ts';
import { type IntegrityEvent, type IntegrityMode, type ManifestState, Quarantine } from './quarantine.ts';

/** The diff text an audit event keeps: enough to see what changed, bounded so a huge schema cannot bloat the log. */
const MAX_DIFF_CHARS = 4000;

export interface IntegrityDeps {
  readonly config: RampartConfig;
  readonly stateDir: string;
  /** The config file's directory (manifest, key and bundle paths are relative to it). */
  readonly baseDir: string;
  readonly gateway: Gateway;
  readonly audit: () => AuditLog | undefined;
  readonly alerts: AlertHub;
  readonly log: Logger;
  readonly now: () => number;
}

export class RuntimeIntegrity {
  readonly quarantine: Quarantine;
  /** The metadata detectors' verdicts on the tools served (absent with `detection.enabled: false`). */
  readonly risk: DefinitionRisk | undefined;
  private readonly deps: IntegrityDeps;
  private recheck: NodeJS.Timeout | undefined;
  /** Verified signed manifests of the servers configured with one (checked at start and at every re-check). */
  private readonly manifests = new Map<string, ManifestState>();

  constructor(deps: IntegrityDeps) {
    this.deps = deps;
    const modes = new Map<string, IntegrityMode>(
      deps.config.servers.map((s) => [s.name, s.integrity ?? deps.config.integrity.mode]),
    );
    const risk = deps.config.detection.enabled ? new DefinitionRisk(metadataVerdict) : undefined;
    this.risk = risk;
    this.quarantine = new Quarantine({
      store: PinStore.open(deps.stateDir),
      modeOf: (server) => modes.get(server) ?? deps.config.integrity.mode,
      approvalsRequired: deps.config.changeControl.twoPersonRule ? 2 : 1,
      now: deps.now,
      onEvent: (event) => this.report(event),
      manifestOf: (server) => this.manifests.get(server),
      ...(risk
        ? {
            suspicious: (server: string, kind: string, definition: unknown, keys: readonly string[]) => {
              if (kind !== 'tool') return false;
              const name = (definition as { name?: unknown }).name;
              const others = keys.filter((k) => k !== name);
              return risk.verdict(definition, others).score >= this.holdAt(server, String(name));
            },
          }
        : {}),
      onDecided: (servers) => {
        for (const upstream of deps.gateway.upstreams) {
          if (servers.has(upstream.name)) void deps.gateway.integrityDecided(upstream);
        }
      },
    });
    deps.gateway.setIntegrity(new GatewayIntegrity(this.quarantine, risk));
  }

  /** A tool's risk (0-100) for policies (`resource.risk`), by the name clients see. */
  riskOf(server: string, exposedName: string): number {
    const own = this.deps.gateway.ownNameOf(server, exposedName);
    return own === undefined || !this.risk ? 0 : this.risk.riskOf(server, own);
  }

  /** The metadata score at which a tool is not trusted on first use: the last matching override, else the default. */
  private holdAt(server: string, toolName: string): number {
    const { detection, servers, separator } = this.deps.config;
    const entry = servers.find((s) => s.name === server);
    const exposed = exposeName({ namespace: entry?.namespace ?? server, separator }, toolName);
    let at = detection.metadata.quarantineAt ?? METADATA_THRESHOLD;
    for (const o of detection.overrides) {
      if (o.servers && !o.servers.includes(server)) continue;
      if (o.tools && !o.tools.some((t) => nameMatches(t, exposed))) continue;
      if (o.metadata?.quarantineAt !== undefined) at = o.metadata.quarantineAt;
    }
    return at;
  }

  /**
   * Once the audit log is open and before upstreams start: verifies signed manifests, audits decisions made while
   * no gateway ran, then polls for decisions and re-checks every server (manifests included: they expire).
   */
  async start(): Promise<void> {
    await this.verifyManifests();
    this.quarantine.applyDecisions();
    this.quarantine.watch(this.deps.config.integrity.pollMs);
    this.recheck = setInterval(() => {
      void this.verifyManifests().then(() => {
        for (const upstream of this.deps.gateway.upstreams) void this.deps.gateway.recheck(upstream);
      });
    }, this.deps.config.integrity.recheckMs);
    this.recheck.unref();
  }

  private async verifyManifests(): Promise<void> {
    for (const server of this.deps.config.servers) {
      if (!server.manifest) continue;
      const result = await loadVerifiedManifest(
        server.manifest,
        this.deps.baseDir,
        new Date(this.deps.now()),
      );
      if (!result.ok) {
        this.deps.log.error('signed manifest not verified: the server is held back', {
          server: server.name,
          code: result.code,
          reason: result.reason,
        });
      }
      this.manifests.set(
        server.name,
        result.ok
          ? { ok: true, manifest: result.manifest, signer: result.signer }
          : { ok: false, code: result.code, reason: result.reason },
      );
    }
  }

  close(): void {
    if (this.recheck) clearInterval(this.recheck);
    this.quarantine.close();
    this.quarantine.store.close();
  }

  private report(event: IntegrityEvent): void {
    const { log, alerts } = this.deps;
    switch (event.action) {
      case 'quarantined': {
        const c = event.change;
        const fields = renderFieldDiff(event.diff).join('\n');
        log.warn('definition changed: held for review', {
          server: c.server,
          kind: c.kind,
          name: c.key,
          change: c.change,
          id: c.id,
          mode: event.mode,
        });
        this.append(c.server, c.key, {
          action: event.mode === 'monitor' ? 'changed_monitored' : 'quarantined',
          ...changeFacts(c),
          mode: event.mode,
          fields: event.diff.map((f) => `${f.op} ${f.path}`).slice(0, 100),
          diff: fields.length > MAX_DIFF_CHARS ? `${fields.slice(0, MAX_DIFF_CHARS)}…` : fields,
          // What the added text suggests (score 0..1, strongest rules first), to rank and explain the change.
          risk: changeRisk(c) ?? null,
        });
        if (c.change !== 'removed') {
          alerts.raiseSystem(
            RULE_IDS.integrityQuarantined,
            c.kind === 'identity' ? 'high' : 'medium',
            `${c.server}: ${c.kind} ${c.key || '(server)'} ${c.change}; review with \`rampart tools diff ${c.id}\`.`,
            { server: c.server, kind: c.kind, name: c.key, change: c.id },
          );
        }
        return;
      }
      case 'approved':
      case 'rejected': {
        const c = event.change;
        log.info(`definition change ${event.action}`, {
          server: c.server,
          name: c.key,
          id: c.id,
          by: c.decidedBy,
        });
        this.append(c.server, c.key, {
          action: event.action,
          ...changeFacts(c),
          approvals: c.approvals.map((a) => ({
            by: a.by,
            at: new Date(a.at).toISOString(),
            reason: a.reason,
          })),
          decidedBy: c.decidedBy ?? null,
          reason: c.reason ?? null,
        });
        return;
      }
      case 'pinned':
        log.info('definitions pinned', {
          server: event.server,
          kind: event.kind,
          count: event.keys.length,
          by: event.by,
        });
        this.append(event.server, undefined, {
          action: 'pinned',
          kind: event.kind,
          keys: event.keys.slice(0, 500),
          by: event.by,
          setSha256: event.setSha256,
        });
        return;
      case 'blocked':
      case 'unblocked':
        log.warn(`server ${event.action}`, { server: event.server, code: event.code, reason: event.reason });
        this.append(event.server, undefined, {
          action: event.action,
          code: event.code,
          reason: event.reason,
        });
        if (event.action === 'blocked') {
          alerts.raiseSystem(
            RULE_IDS.integrityBlocked,
            'high',
            `${event.server} is held back: ${event.reason}`,
            {
              server: event.server,
              code: event.code,
            },
          );
        }
        return;
    }
  }

  private append(server: string, name: string | undefined, detail: Record<string, unknown>): void {
    const audit = this.deps.audit();
    if (!audit) return;
    audit
      .append({ decision: 'pin_changed', server, ...(name ? { name } : {}), detail })
      .catch((err: unknown) => this.deps.log.error('recording a pin change failed', { error: String(err) }));
  }
}

function changeFacts(c: PinChange): Record<string, unknown> {
  return {
    change: c.id,
    kind: c.kind,
    key: c.key,
    type: c.change,
    oldSha256: c.oldSha256 ?? null,
    newSha256: c.newSha256 ?? null,
    ...(c.renamedFrom !== undefined ? { renamedFrom: c.renamedFrom } : {}),
  };
}

/** The metadata detectors' score of one definition, judged against the other tools' names (look-alikes). */
function metadataVerdict(
  definition: unknown,
  otherNames: readonly string[],
): { score: number; rules: string[] } {
  const findings = scanToolMetadata(definition as ToolMetadata, { otherTools: otherNames });
  return { score: riskScore(findings), rules: [...new Set(findings.map((f) => f.rule))] };
}
