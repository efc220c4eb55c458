// Wires one Rampart instance from a validated config: store, upstreams, gateway, pipeline, ingress; and stops it
// in the right order (drain requests, end streams and sessions, then close upstreams, then the store).

import { lookup } from 'node:dns/promises';
import { realpath } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { startAdminServer } from './admin/admin-server.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { baselineRedactor } from './audit/baseline-redactor.ts';
import { canonicalJsonLenient, sha256Hex } from './audit/canonical.ts';
import { fromRequestEvent } from './audit/event.ts';
import { openAuditLog } from './audit/open.ts';
import { loadOrCreateSigningKey } from './audit/signing-key.ts';
import { type AuditForwarder, createForwarders } from './audit/sinks/forwarder.ts';
import { Authenticator } from './auth/authenticator.ts';
import { metadataPaths, protectedResourceMetadata } from './auth/metadata.ts';
import { RevocationList } from './auth/revocations.ts';
import { ChangeControl } from './changes/change-control.ts';
import type { RampartConfig } from './config/schema.ts';
import { Gateway } from './core/gateway.ts';
import { MrtrBridge } from './core/mrtr-bridge.ts';
import { createTokenSigner } from './core/signed-token.ts';
import { RampartError } from './errors.ts';
import { flowKeyOf, SessionFlows } from './flows/session-flows.ts';
import { createApprovalFlow } from './guards/approval-flow.ts';
import { argumentGuard } from './guards/argument-guards.ts';
import { argumentValidationGuard } from './guards/argument-validation.ts';
import { createFlowGuards, type FlowGuards, sessionLabelsOf } from './guards/flow-guard.ts';
import { DEFAULT_OUTPUT_ACTIONS, OUTPUT_DETECTORS } from './guards/output-detectors.ts';
import { createOutputGuard } from './guards/output-guard.ts';
import type { EventPayloads, EventSink, Guard, RequestEvent } from './guards/pipeline.ts';
import { Pipeline } from './guards/pipeline.ts';
import { createPolicyGuard } from './guards/policy-guard.ts';
import { rateLimitGuard } from './guards/rate-limit-guard.ts';
import {
  type CanaryHit,
  createCanaryGuard,
  createRelayScreen,
  createSecretExposureGuard,
} from './guards/vault-guard.ts';
import { createHostOriginPolicy } from './ingress/host-origin.ts';
import { HttpIngress } from './ingress/http-server.ts';
import { ListenHub } from './ingress/listen-hub.ts';
import { SessionStore } from './ingress/sessions.ts';
import { type SupplyChainContext, startUpstream } from './integrity/provenance/package-server.ts';
import { RuntimeIntegrity } from './integrity/runtime-integrity.ts';
import { AlertHub } from './monitor/alert-hub.ts';
import { RULE_IDS } from './monitor/anomaly/alert.ts';
import { AnomalyDetector, type CallObservation, webhookNotifierFromConfig } from './monitor/anomaly/index.ts';
import type { Logger } from './monitor/logger.ts';
import { createMetrics } from './monitor/metrics.ts';
import { listenMetrics } from './monitor/metrics-route.ts';
import { createTracing, passthroughTracing, type Tracing } from './monitor/tracing.ts';
import { ApprovalBroker, type ApprovalClock } from './policy/approvals/approval-broker.ts';
import { authorizeGateway } from './policy/gateway-authorization.ts';
import { formatProblem } from './policy/policy-files.ts';
import { PolicyService } from './policy/policy-service.ts';
import { type ReviewScheduler, scheduledReviews } from './review/scheduler.ts';
import type { EgressAttempt } from './sandbox/egress-proxy.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import { type Authorizer, CallbackAuthorizer } from './upstream/credentials/authorizer.ts';
import type { CredentialDeps } from './upstream/credentials/index.ts';
import { Upstream } from './upstream/upstream.ts';
import { canaryAlert } from './vault/canary-alert.ts';
import { LiveVault } from './vault/live-vault.ts';
import { scrubbingLogger } from './vault/log-scrub.ts';
import { bindVaultReferences, envSecretNames, vaultReferences } from './vault/references.ts';

/** The state key of the digest of the configuration the last start ran with. */
const CONFIG_DIGEST = 'config-sha256';

/** Where the browser leg of an upstream OAuth authorization comes back to. */
const OAUTH_CALLBACK_PATH = '/oauth/callback';

export interface RampartOptions {
  /** Directory relative paths in the config are resolved against. */
  baseDir: string;
  log: Logger;
  guards?: Guard[];
  /** False for `rampart stdio`: no HTTP listener. */
  listen?: boolean;
  /** Receives every request event as well as the audit log (tests). */
  onEvent?: (event: RequestEvent) => void;
  /** The user-agent seam and store of upstream `oauth` credentials. */
  credentials?: CredentialDeps;
  /**
   * True only for the benchmark's baseline row (bench/servers/rampart-unaudited.ts), which measures what the
   * audit log costs. No config key or CLI flag reaches this: `rampart serve` and `rampart stdio` always audit.
   */
  unaudited?: boolean;
  /** The clock policies, rate limits and approvals read (tests freeze it). */
  now?: () => number;
  /** The clock and timers of calls held for approval (tests freeze them); the system's by default. */
  approvalClock?: ApprovalClock;
  /** The file `config` was loaded from: change control records it as a version (none in embedded use). */
  configFile?: string;
  /** Who starts the gateway: the author of a version recorded at start (else RAMPART_AUTHOR, else the OS user). */
  author?: string;
}

export class Rampart {
  readonly config: RampartConfig;
  readonly gateway: Gateway;
  readonly store: SqliteStore;
  readonly sessions: SessionStore;
  readonly pipeline: Pipeline;
  private readonly log: Logger;
  private readonly ingress: HttpIngress;
  readonly listeners: ListenHub;
  readonly metrics = createMetrics({
    beforeRender: () => {
      for (const u of this.gateway.upstreams) this.metrics.setUpstream(u.name, u.status, u.restarts);
    },
  });
  private metricsServer: Server | undefined;
  /** The tamper-evident audit log, open from start() until stop(); every request's event is durable in it first. */
  audit: AuditLog | undefined;
  private tracing: Tracing = passthroughTracing();
  /** Copies of the audit log for SIEMs and archives (`audit.sinks`). */
  private forwarders: AuditForwarder[] = [];
  /** Alerts of the anomaly rules and of the audit log: to the log, the audit log and the webhook. */
  readonly alerts: AlertHub;
  private readonly anomalies: AnomalyDetector | undefined;
  /** The Cedar policy set in force (`policy` in the config); without it every routed call is allowed. */
  readonly policies: PolicyService | undefined;
  /** Configuration versions (src/changes): recorded at start and at every accepted policy reload. */
  private readonly changes: ChangeControl;
  /** The rug-pull quarantine: pinned definitions, held changes and their decisions (src/integrity). */
  readonly integrity: RuntimeIntegrity;
  /** The credential vault: `${vault:NAME}` references, exact-value redaction and canaries (src/vault). */
  readonly vault: LiveVault;
  /** What each session (or stateless caller) has touched, for toxic-flow policies (`policy.flows`). */
  flows: SessionFlows | undefined;
  /** Where calls held for approval wait for a human (open from start() while policies are configured). */
  approvals: ApprovalBroker | undefined;
  private admin: { url: string; close(): Promise<void> } | undefined;
  /** Scheduled permission reviews (`review.intervalHours`), running from start() until stop(). */
  private reviews: ReviewScheduler | undefined;
  /** URL of the admin API, when `admin` is configured. */
  adminUrl = '';
  private readonly approvalClock: ApprovalClock | undefined;
  /** Parks calls held for approval while a 2026-07-28 client is asked (MRTR), under a signer of its own. */
  private readonly approvalBridge: MrtrBridge;
  /** URL of the metrics endpoint, when `metrics` is configured. */
  metricsUrl = '';
  private inflight = 0;
  private idle: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private readonly listening: boolean;
  private readonly baseDir: string;
  private readonly stateDir: string;
  private readonly unaudited: boolean;
  /** Revoked token ids and disabled subjects (only with authentication configured). */
  readonly revocations: RevocationList | undefined;
  authenticator: Authenticator | undefined;
  private callback: CallbackAuthorizer | undefined;
  /** The user agent of upstream OAuth flows: Rampart's own callback route at /oauth/callback. */
  readonly authorizer: Authorizer = this.callbackAuthorizer();
  url = '';

  constructor(config: RampartConfig, options: RampartOptions) {
    this.config = config;
    this.log = options.log;
    this.listening = options.listen ?? true;
    this.unaudited = options.unaudited === true;
    this.approvalClock = options.approvalClock;
    this.baseDir = options.baseDir;
    this.stateDir = path.resolve(options.baseDir, config.stateDir);
    this.vault = new LiveVault({
      config: config.vault,
      stateDir: this.stateDir,
      baseDir: options.baseDir,
      log: options.log,
      ...(options.now ? { now: options.now } : {}),
      // HTTP headers and credentials take the new value at their next use; a stdio child whose environment refers to
      // a changed secret is rolled over to a new child (without an outage).
      onChange: (names) => this.vaultChanged(names),
    });
    // Every log line passes the vault's redaction: the value of a live secret never reaches the log.
    this.log = scrubbingLogger(options.log, this.vault);
    this.store = new SqliteStore(this.stateDir);
    this.approvalBridge = new MrtrBridge(
      createTokenSigner(this.store.secret('approval-state-hmac')),
      config.limits.mrtrStateTtlMs,
    );
    this.revocations = config.auth ? new RevocationList(this.store) : undefined;
    this.gateway = new Gateway({
      separator: config.separator,
      signer: createTokenSigner(this.store.secret('token-hmac')),
      mrtrStateTtlMs: config.limits.mrtrStateTtlMs,
      listPageSize: config.limits.listPageSize,
      log: this.log,
    });
    // Upstream `oauth` credentials need a user agent: by default Rampart's own callback route (known once listening).
    const credentials: CredentialDeps = {
      log: this.log,
      vault: (name) => this.vault.value(name),
      ...options.credentials,
      authorizer: options.credentials?.authorizer ?? this.authorizer,
    };
    for (const server of config.servers) {
      this.gateway.addUpstream(
        new Upstream(
          bindVaultReferences(server, (name) => this.vault.value(name)),
          options.baseDir,
          this.log,
          this.gateway,
          credentials,
          {
            // Never visible to a sandboxed server, even inside a directory bound for it: state and key files.
            hidden: [
              this.stateDir,
              ...('file' in config.vault.masterKey
                ? [path.resolve(options.baseDir, config.vault.masterKey.file)]
                : []),
            ],
            onEgress: (attempt) => this.recordEgress(attempt),
          },
        ),
      );
    }
    this.alerts = new AlertHub({
      log: this.log,
      audit: () => this.audit,
      webhook: config.alerts.webhook
        ? webhookNotifierFromConfig(config.alerts.webhook, { baseDir: options.baseDir, log: this.log })
        : undefined,
    });
    this.integrity = new RuntimeIntegrity({
      config,
      stateDir: this.stateDir,
      baseDir: options.baseDir,
      gateway: this.gateway,
      audit: () => this.audit,
      alerts: this.alerts,
      log: this.log,
      now: options.now ?? Date.now,
    });
    this.anomalies = config.alerts.enabled
      ? new AnomalyDetector(config.alerts, {
          now: Date.now,
          onAlert: (alert) => {
            this.metrics.countDetection(alert.rule);
            this.alerts.raise(alert);
          },
          onError: (err) => this.log.error('anomaly detection failed', { error: String(err) }),
          separator: config.separator,
        })
      : undefined;
    const sink = {
      record: (event: RequestEvent, payloads?: EventPayloads): Promise<void> => {
        this.metrics.observe(event);
        this.anomalies?.observe(observation(event, payloads));
        options.onEvent?.(event);
        this.log.debug('request', { ...event });
        return this.recordAudit(event, payloads);
      },
    };
    // Fail closed before the side effect: while the audit store refuses writes, nothing is forwarded.
    const auditGate: Guard = {
      name: 'audit',
      phase: 'request',
      check: () =>
        this.audit?.writable === false
          ? {
              kind: 'deny',
              code: 'RAMPART_AUDIT_UNAVAILABLE',
              ruleId: 'audit:unavailable',
              reason: 'The audit log cannot record calls right now.',
            }
          : { kind: 'pass' },
    };
    this.changes = new ChangeControl({
      config,
      configFile: options.configFile,
      stateDir: this.stateDir,
      author: options.author,
      now: options.now ?? Date.now,
    });
    this.policies = config.policy
      ? new PolicyService(config.policy, {
          log: this.log,
          now: options.now ?? Date.now,
          qualifyIds: (config.auth?.issuers.length ?? 0) > 1,
          onReload: (next, previous) =>
            void this.recordPolicyChange(next.digest, previous.digest, next.policies.length),
          // Under the two-person rule a set that is not an approved version is rejected like an invalid one.
          accept: (files) => this.changes.acceptReload(files),
          // The set in force stays (at worst it was loaded before the tools typed its argument reads, and a misread
          // argument then errors at run time: a permit permits nothing, a forbid denies). Someone must look.
          onRejected: (err) =>
            this.alerts.raiseSystem(
              RULE_IDS.policyRejected,
              'high',
              'Changed policies were rejected; the previous set stays in force.',
              {
                problems: err.problems.length,
                first: err.problems[0] ? formatProblem(err.problems[0]).slice(0, 300) : '',
              },
            ),
        })
      : undefined;
    // Policies read a tool's risk as the metadata detectors scored it (`resource.risk`, 0-100).
    if (this.policies) this.policies.riskOf = (server, name) => this.integrity.riskOf(server, name);
    // Toxic-flow control: the session's labels are fixed just before policy decides on them (and the event records
    // them); a forwarded call's labels join the session after every request guard passed.
    const flowGuards =
      this.policies && config.policy?.flows.enabled ? this.createFlowGuards(this.policies) : undefined;
    const policyGuards = this.policies
      ? [...(flowGuards ? [flowGuards.snapshot] : []), this.createPolicyGuard(this.policies, config, sink)]
      : [];
    // Rate limits count before policies decide: refused attempts use up a caller's budget too.
    const rateLimits =
      config.rateLimits.length > 0
        ? [rateLimitGuard(config.rateLimits, { now: options.now ?? Date.now })]
        : [];
    this.pipeline = new Pipeline(
      [
        auditGate,
        // A canary in a call's params blocks it before any other guard spends work (or a policy explains why).
        createCanaryGuard(this.vault, (hit) => this.onCanary(hit)),
        ...rateLimits,
        ...policyGuards,
        // After policy: validating first would tell a caller that may not see a tool that it exists.
        ...(config.validation.enabled ? [argumentValidationGuard(config.validation)] : []),
        // Paths, URLs, shell arguments and SQL of the parameters the config names (after schema validation).
        ...(config.argumentGuards.length > 0
          ? [
              argumentGuard(config.argumentGuards, {
                fs: { realpath: (p) => realpath(p) },
                resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
              }),
            ]
          : []),
        ...(options.guards ?? []),
        // Response phase: what comes back is scanned and redacted before the agent (and the audit log) sees it.
        // Before detection: a canary must block the result before any redaction could hide it.
        createSecretExposureGuard(this.vault, (hit) => this.onCanary(hit)),
        ...(config.detection.enabled
          ? [createOutputGuard(config.detection, DEFAULT_OUTPUT_ACTIONS, OUTPUT_DETECTORS)]
          : []),
        // Last of their phases: the request one once the call will be forwarded, the response one after detection.
        ...(flowGuards ? [flowGuards.commit, flowGuards.findings] : []),
      ],
      sink,
    );
    this.sessions = new SessionStore(config.limits.maxSessions, config.limits.sessionIdleMs, (session) => {
      this.gateway.sessionClosed(session.id);
      this.flows?.forget(flowKeyOf({ sessionId: session.id, principal: undefined }).key);
      for (const uri of session.subscriptions) this.gateway.releaseSubscription(uri);
    });
    this.listeners = new ListenHub(this.gateway, this.sessions);
    this.gateway.setHub(this.listeners);
    // What upstreams send outside results (notifications, progress, their requests and errors) is screened too.
    this.gateway.setRelayScreen(createRelayScreen(this.vault, (hit) => this.onCanary(hit)));
    if (this.policies) {
      authorizeGateway({
        gateway: this.gateway,
        listeners: this.listeners,
        policies: this.policies,
        sink,
        log: this.log,
      });
    }
    const track = <T>(work: Promise<T>) => this.track(work);
    this.ingress = new HttpIngress(
      {
        path: config.listen.path,
        maxBodyBytes: config.limits.maxBodyBytes,
        maxJsonDepth: config.limits.maxJsonDepth,
        hostOrigin: createHostOriginPolicy(config.security.allowedHosts, config.security.allowedOrigins),
        log: this.log,
        tls: config.tls,
        serverForRequest: (method, params) => this.gateway.serverForRequest(method, params),
        authRequired: config.auth !== undefined,
        sink,
      },
      { gateway: this.gateway, pipeline: this.pipeline, sessions: this.sessions, track },
      { gateway: this.gateway, pipeline: this.pipeline, listeners: this.listeners, track },
    );
  }

  /** Opens the audit log, then starts upstreams (in the background: a slow one never blocks the others) and the listener. */
  async start(): Promise<string> {
    try {
      return await this.startNow();
    } catch (err) {
      // A start that failed half way still seals what it wrote and lets its sinks flush.
      await this.closeRecording();
      throw err;
    }
  }

  private async startNow(): Promise<string> {
    // Before anything else: under the two-person rule an unapproved configuration must not run at all.
    const version = this.changes.start(this.policies?.files);
    // Before anything is logged, audited or spawned: references resolve, and canaries and redaction are armed.
    await this.vault.open(vaultReferences(this.config));
    this.vault.watch();
    // No request may be answered unaudited: the log opens (and recovers a spool) before anything listens.
    if (!this.unaudited) {
      // Sinks first: a sink that cannot work (a refused endpoint, an unreadable CA) stops the start.
      const key = loadOrCreateSigningKey(this.stateDir);
      this.forwarders = createForwarders(this.config.audit.sinks, {
        log: this.log,
        baseDir: this.baseDir,
        publicKeyPem: key.publicKeyPem,
        keyId: key.keyId,
      });
      const forwarders = this.forwarders;
      this.audit = await openAuditLog(this.stateDir, {
        payloadMode: this.config.audit.payloads,
        redact: baselineRedactor,
        failureMode: this.config.audit.onFailure,
        fsync: this.config.audit.fsync,
        checkpoints: this.config.audit.checkpoints,
        privacy: this.config.audit.privacy,
        onAlert: (alert) => this.alerts.fromAudit(alert),
        ...(forwarders.length > 0
          ? {
              onCommitted: (records) => {
                for (const f of forwarders) f.forward(records);
              },
              onCheckpoint: (cp) => {
                for (const f of forwarders) f.checkpoint?.(cp);
              },
            }
          : {}),
      });
    }
    await this.recordConfigChange(version?.seq);
    await this.integrity.start();
    this.policies?.watch();
    this.reviews = scheduledReviews({
      config: this.config,
      configDir: this.baseDir,
      stateDir: this.stateDir,
      alerts: this.alerts,
      log: this.log,
    });
    this.reviews?.start();
    if (this.policies) {
      this.approvals = ApprovalBroker.open(this.stateDir, {
        ...(this.approvalClock ? { clock: this.approvalClock } : {}),
        pollMs: this.config.policy?.approvals.pollMs,
        log: this.log,
      });
    }
    if (this.config.tracing) {
      this.tracing = await createTracing({ ...this.config.tracing, log: this.log });
      this.pipeline.setTracing(this.tracing);
    }
    if (!this.listening) {
      for (const upstream of this.gateway.upstreams) startUpstream(upstream, this.supplyChainContext());
      return '';
    }
    const address = await this.ingress.listen(this.config.listen.host, this.config.listen.port);
    try {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      this.url = `${this.config.tls ? 'https' : 'http'}://${host}:${address.port}${this.config.listen.path}`;
      // Authentication first: until it is set the ingress answers 503 (authRequired), never unauthenticated.
      const auth = this.config.auth;
      if (auth) {
        const resource = auth.resource ?? this.url;
        this.authenticator = new Authenticator(auth, resource, this.revocations!, this.baseDir);
        this.ingress.setAuth({
          authenticator: this.authenticator,
          metadata: protectedResourceMetadata(auth, resource, this.config.tls?.clientCa !== undefined),
          metadataPaths: metadataPaths(resource),
        });
      }
      if (this.config.admin && this.authenticator) {
        this.admin = await startAdminServer({
          ...this.config.admin,
          authenticator: this.authenticator,
          broker: this.approvals,
          integrity: this.integrity.quarantine,
          log: this.log,
        });
        this.adminUrl = this.admin.url;
      }
      if (this.config.metrics) {
        const { server, address: metricsAddress } = await listenMetrics(
          this.metrics,
          this.config.metrics.host,
          this.config.metrics.port,
        );
        this.metricsServer = server;
        this.metricsUrl = `http://${metricsAddress.address}:${metricsAddress.port}/metrics`;
      }
    } catch (err) {
      // A half-started gateway must not keep serving.
      this.ingress.startDraining();
      this.ingress.closeAllConnections();
      throw err;
    }
    // Only now is the callback URL known; upstreams (whose OAuth flows may need it) start after it.
    this.callback = new CallbackAuthorizer(new URL(OAUTH_CALLBACK_PATH, this.url).href, { log: this.log });
    this.ingress.setOauthCallback(OAUTH_CALLBACK_PATH, (query) => this.callback?.complete(query) ?? false);
    for (const upstream of this.gateway.upstreams) startUpstream(upstream, this.supplyChainContext());
    return this.url;
  }

  /** How `package` servers are fetched, verified and cached before they start (src/integrity/provenance). */
  private supplyChainContext(): SupplyChainContext {
    return {
      supplyChain: this.config.supplyChain,
      baseDir: this.baseDir,
      stateDir: this.stateDir,
      log: this.log,
    };
  }

  /** The toxic-flow guards over an in-memory flow per session (or caller), feeding `context.sessionLabels`. */
  private createFlowGuards(policies: PolicyService): FlowGuards {
    const flowConfig = this.config.policy!.flows;
    const flows = new SessionFlows({
      idleMs: this.config.limits.sessionIdleMs,
      maxTracked: flowConfig.maxTracked,
      onEvicted: () => this.log.warn('toxic-flow tracking is full; the longest idle flow was forgotten'),
    });
    this.flows = flows;
    policies.sessionLabels = sessionLabelsOf(flows);
    return createFlowGuards({
      flows,
      labelsOf: (target) => policies.itemLabels(target),
      detectors: flowConfig.detectors && this.config.detection.enabled,
    });
  }

  /** The policy guard, with its approval flow (calls a policy holds wait for a human there). */
  private createPolicyGuard(policies: PolicyService, config: RampartConfig, sink: EventSink) {
    void sink;
    const flow = createApprovalFlow({
      broker: {
        request: (input) => {
          if (!this.approvals) return Promise.reject(new RampartError('RAMPART_APPROVAL_UNAVAILABLE'));
          return this.approvals.request(input);
        },
      },
      audit: () => this.audit,
      log: this.log,
      timeoutMs: config.policy?.approvals.timeoutMs ?? 300_000,
      elicitation: config.policy?.approvals.elicitation ?? true,
      bridge: this.approvalBridge,
      notifyPending: (pending) =>
        this.alerts.raiseSystem(RULE_IDS.approvalPending, 'medium', 'A call is waiting for approval.', {
          approval: pending.id,
          server: pending.server,
          name: pending.name,
          policies: pending.policies.join(','),
        }),
      continuesParkedCall: (params) => this.gateway.continuesParkedCall(params),
    });
    return createPolicyGuard(policies, flow);
  }

  /**
   * Every connection a sandboxed server attempts through its egress proxy is an audit event (`egress/connect`,
   * name `host:port`); a refused one also raises an alert, since a confined server reaching elsewhere is suspect.
   */
  private recordEgress(attempt: EgressAttempt): void {
    const target = `${attempt.host}:${attempt.port}`;
    this.log.info('sandbox egress', { server: attempt.server, target, allowed: attempt.allowed });
    this.audit
      ?.append({
        decision: attempt.allowed ? 'allowed' : 'denied',
        server: attempt.server,
        method: 'egress/connect',
        name: target,
        ...(attempt.allowed ? {} : { code: 'RAMPART_EGRESS_REFUSED' }),
        detail: {
          egress: {
            host: attempt.host,
            port: attempt.port,
            ...(attempt.address !== undefined ? { address: attempt.address } : {}),
            ...(attempt.reason !== undefined ? { reason: attempt.reason } : {}),
          },
        },
      })
      .catch((err: unknown) => this.log.error('recording an egress attempt failed', { error: String(err) }));
    if (!attempt.allowed) {
      this.alerts.raiseSystem(
        RULE_IDS.sandboxEgressRefused,
        'high',
        `sandboxed server ${attempt.server} tried to reach ${target} (${attempt.reason ?? 'refused'})`,
        { server: attempt.server, target, reason: attempt.reason ?? 'refused' },
      );
    }
  }

  /** A canary sighting raises a critical alert; the call's own event names the canary in its rule ids. */
  /** Rolls over the stdio servers whose environment refers to a secret that changed. */
  private vaultChanged(names: ReadonlySet<string>): void {
    this.log.info('vault secrets changed', { names: [...names].join(',') });
    for (const server of this.config.servers) {
      if (![...envSecretNames(server)].some((n) => names.has(n))) continue;
      void this.gateway.upstreams.find((u) => u.name === server.name)?.rollover();
    }
  }

  private onCanary(hit: CanaryHit): void {
    this.alerts.raise(canaryAlert(hit, Date.now()));
  }

  /** A hot-reloaded policy set is a `config_changed` audit event (digests of the new and the previous set). */
  private async recordPolicyChange(digest: string, previous: string, count: number): Promise<void> {
    try {
      const version = this.changes.recordReload(this.policies?.files ?? new Map())?.seq;
      await this.audit?.append({
        decision: 'config_changed',
        detail: {
          policy: {
            sha256: digest,
            previousSha256: previous,
            policies: count,
            ...(version ? { version } : {}),
          },
        },
      });
    } catch (err) {
      this.log.error('recording the policy change failed', { error: String(err) });
    }
  }

  /** Resolves once every upstream finished its first connection attempt successfully or the timeout passed. */
  async waitForUpstreams(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.gateway.upstreams.every((u) => u.status === 'ready')) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  /** An Authorizer that waits on Rampart's own callback route (`rampart serve` has no other user agent). */
  private callbackAuthorizer(): Authorizer {
    const current = () => this.callback;
    return {
      get redirectUri() {
        return current()?.redirectUri;
      },
      authorize: (prompt) => {
        const callback = current();
        if (!callback) return Promise.reject(new Error('Rampart has no callback route (not listening)'));
        return callback.authorize(prompt);
      },
    };
  }

  /** Graceful shutdown: drain in-flight requests (bounded), end streams and sessions, close upstreams. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.ingress.startDraining();
    // Calls held for approval would hold the drain for its whole grace: they end now, as cancelled (and audited).
    this.approvals?.close();
    this.approvalBridge.close();
    await this.admin?.close().catch(() => undefined);
    if (this.inflight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          this.idle = resolve;
        }),
        new Promise((resolve) => setTimeout(resolve, this.config.limits.shutdownGraceMs).unref()),
      ]);
    }
    this.listeners.closeAll();
    this.sessions.closeAll();
    await this.gateway.close();
    this.ingress.closeAllConnections();
    this.revocations?.close();
    this.policies?.close();
    this.integrity.close();
    this.vault.close();
    this.metricsServer?.close();
    await this.reviews?.stop();
    await this.closeRecording();
    this.store.close();
    this.log.info('rampart stopped');
  }

  /**
   * A start with a configuration other than the last one is a `config_changed` audit event (its digest and the
   * previous one; the configuration holds references to secrets, never secrets).
   */
  private async recordConfigChange(version: number | undefined): Promise<void> {
    if (!this.audit) return;
    const digest = sha256Hex(canonicalJsonLenient(this.config).text);
    const previous = this.store.meta(CONFIG_DIGEST);
    if (previous === digest) return;
    await this.audit.append({
      decision: 'config_changed',
      detail: {
        sha256: digest,
        previousSha256: previous ?? null,
        ...(version === undefined ? {} : { version }),
        servers: this.config.servers.map((s) => s.name),
        authenticated: this.config.auth !== undefined,
        payloads: this.config.audit.payloads,
      },
    });
    this.store.setMeta(CONFIG_DIGEST, digest);
  }

  /** Closes tracing, alerting, the audit log (sealing it with a final checkpoint) and then its sinks. */
  private async closeRecording(): Promise<void> {
    this.changes.close();
    await this.tracing.shutdown().catch(() => undefined);
    await this.alerts.close().catch(() => undefined);
    await this.audit
      ?.close()
      .catch((err: unknown) => this.log.error('audit log close failed', { error: String(err) }));
    // After the log's last commit and final checkpoint, so the sinks get them too.
    await Promise.all(this.forwarders.map((f) => f.close().catch(() => undefined)));
  }

  /** Makes the event durable; rejects (and the request fails) when it cannot be. */
  private async recordAudit(event: RequestEvent, payloads: EventPayloads | undefined): Promise<void> {
    const audit = this.audit;
    if (!audit) {
      if (this.unaudited) return;
      throw new Error('audit log not open');
    }
    const started = performance.now();
    await audit.append(
      fromRequestEvent(event, {
        traceId: event.traceId,
        // Whatever the payload mode (a digest of a secret can be tested against guesses), secrets go first.
        arguments: this.vault.redactDeep(payloads?.arguments),
        result: this.vault.redactDeep(payloads?.result),
        findings: event.findings?.map((f) => ({
          ruleId: f.rule,
          severity: f.severity,
          ...(f.location ? { location: f.location } : {}),
        })),
      }),
    );
    // How long the latest decision waited to become durable (group commit and fsync).
    this.metrics.setAuditLag((performance.now() - started) / 1000);
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await work;
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.idle?.();
    }
  }
}

/** What the anomaly rules see of a request: names, sizes and the decision, never the payloads themselves. */
function observation(event: RequestEvent, payloads: EventPayloads | undefined): CallObservation {
  const p = event.principal;
  return {
    timeMs: Date.now(),
    principal: p ? `${p.issuer}|${p.subject}` : undefined,
    principalRef: p && { issuer: p.issuer, subject: p.subject, clientId: p.clientId, agent: p.agent },
    agent: p?.agent ?? p?.clientId,
    sessionId: event.sessionId,
    server: event.server,
    method: event.method,
    name: event.name,
    decision: event.decision,
    bytesIn: jsonSize(payloads?.arguments),
    bytesOut: jsonSize(payloads?.result),
    annotations: payloads?.annotations,
  };
}

function jsonSize(value: unknown): number {
  if (value === undefined) return 0;
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}
