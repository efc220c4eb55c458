// The policy set in force: loaded from the config's .cedar files, re-validated against the tools' real input
// schemas as upstreams list them, and hot-reloaded when a file changes (a set with an error is rejected and the
// previous one stays in force). It turns a downstream request into the Cedar request the engine decides.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import type { Principal } from '../auth/principal.ts';
import type { PolicyConfig } from '../config/policy-schema.ts';
import type { CallTarget, DownstreamCall } from '../core/call.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import { type ItemLabel, itemLabels } from '../flows/labels.ts';
import type { Logger } from '../monitor/logger.ts';
import { argumentsTypeOf, type CedarValue, cedarArguments } from './arguments.ts';
import { type CedarEntity, type PolicyDecision, PolicyEngine, type PolicyRequest } from './engine.ts';
import {
  baseContext,
  catalogEntity,
  principalEntity,
  promptEntity,
  resourceEntity,
  serverEntity,
  templateEntity,
  toolEntity,
} from './entities.ts';
import type { PolicyAction } from './mcp-schema.ts';
import {
  formatProblem,
  loadPolicyFiles,
  PolicyLoadError,
  type PolicyProblem,
  type PolicySetSource,
} from './policy-files.ts';

export interface PolicyServiceOptions {
  readonly log: Logger;
  readonly now: () => number;
  /** A new set took effect (hot reload); for the audit log. */
  readonly onReload?: (next: PolicySetSource, previous: PolicySetSource) => void;
  /** Several issuers are trusted: principal and group ids are qualified by the issuer (`<issuer>|<id>`). */
  readonly qualifyIds?: boolean;
  /** A changed set was rejected; the previous one stays. */
  readonly onRejected?: (error: PolicyLoadError) => void;
  /**
   * Asked about the exact bytes of every valid set before it is used (change control's two-person rule): a
   * problem rejects the set like an invalid file.
   */
  readonly accept?: (files: ReadonlyMap<string, Buffer>) => PolicyProblem | undefined;
}

/** What a decision is about: a routed item, a list (Catalog) or a server (its server-to-client requests). */
export type PolicyTarget =
  | CallTarget
  | { kind: 'catalog'; name: string }
  | { kind: 'server'; server: string };

/** Everything about a request a decision reads besides its target. */
export interface RequestFacts {
  readonly principal: Principal | undefined;
  readonly era: string;
  readonly remoteAddress: string | undefined;
  readonly sessionLabels: readonly string[];
  /** The raw JSON arguments of a call or get. */
  readonly arguments: unknown;
  readonly nowMs: number;
}

/** Session labels a request carries (toxic-flow tracking: src/flows, guards/flow-guard.ts). */
export type SessionLabels = (call: DownstreamCall) => readonly string[];

export class PolicyService {
  private current: PolicyEngine;
  /** The bytes of the files the set in force was loaded from (file as configured to bytes). */
  private currentFiles: ReadonlyMap<string, Buffer>;
  private readonly config: PolicyConfig;
  private readonly options: PolicyServiceOptions;
  private readonly watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | undefined;
  /** Input schemas of every listed tool and prompt by server, for typing `context.arguments` in validation. */
  private readonly toolSchemas = new Map<string, unknown[]>();
  private readonly promptSchemas = new Map<string, unknown[]>();
  private argumentTypes = { tools: '{}', prompts: '{}' };
  sessionLabels: SessionLabels = () => [];
  /** A tool's risk (0-100) as the detectors judged its definition; 0 without detection (src/integrity). */
  riskOf: (server: string, exposedName: string) => number = () => 0;
  /** Told after every reload attempt: true when a new set took effect, false when a change was rejected. */
  private readonly changeListeners = new Set<(applied: boolean) => void>();

  /** Loads the files now; throws PolicyLoadError (file, line, column) when the set is invalid. */
  constructor(config: PolicyConfig, options: PolicyServiceOptions) {
    this.config = config;
    this.options = options;
    const loaded = this.load();
    this.current = new PolicyEngine(loaded.source);
    this.currentFiles = loaded.files;
    this.logWarnings(this.current.source);
  }

  get engine(): PolicyEngine {
    return this.current;
  }

  /** The bytes of the policy files in force (change control records exactly these). */
  get files(): ReadonlyMap<string, Buffer> {
    return this.currentFiles;
  }

  /** Re-reads and re-validates the files; swaps the set in only when it has no error. */
  reload(): boolean {
    let next: PolicySetSource;
    let nextFiles: ReadonlyMap<string, Buffer>;
    try {
      ({ source: next, files: nextFiles } = this.load());
    } catch (err) {
      if (!(err instanceof PolicyLoadError)) throw err;
      this.options.log.error('policy files rejected; the previous policies stay in force', {
        problems: err.problems.map(formatProblem),
      });
      this.options.onRejected?.(err);
      for (const listener of this.changeListeners) listener(false);
      return false;
    }
    const previous = this.current.source;
    this.logWarnings(next);
    if (next.digest === previous.digest) return true;
    this.current = new PolicyEngine(next);
    this.currentFiles = nextFiles;
    this.options.log.info('policies reloaded', { policies: next.policies.length, sha256: next.digest });
    this.options.onReload?.(next, previous);
    for (const listener of this.changeListeners) listener(true);
    return true;
  }

  /** Calls `listener` after each reload attempt (tests wait on it instead of sleeping). */
  onChange(listener: (applied: boolean) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Watches the policy files (and their directories, for editors that replace files) and reloads on change. */
  watch(): void {
    if (!this.config.watch || this.watchers.length > 0) return;
    const names = new Set(this.config.files.map((f) => path.resolve(f)));
    for (const dir of new Set([...names].map((f) => path.dirname(f)))) {
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name === null || names.has(path.join(dir, name.toString()))) this.scheduleReload();
        });
        watcher.on('error', (err) =>
          this.options.log.warn('policy watch failed', { dir, error: String(err) }),
        );
        this.watchers.push(watcher);
      } catch (err) {
        this.options.log.warn('cannot watch policy directory', { dir, error: String(err) });
      }
    }
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }

  /**
   * Tools or prompts an upstream listed: their input schemas type `context.arguments` for validation. When the
   * typing changes, the set is re-validated (and rejected, keeping the previous one, if a policy no longer fits).
   */
  noteCatalog(server: string, kind: 'tools' | 'prompts', items: readonly JsonObject[]): void {
    this.noteCatalogs([{ server, kind, items }]);
  }

  /** Several lists at once, re-validated once (`rampart policy test` knows every server's tools up front). */
  noteCatalogs(
    lists: readonly { server: string; kind: 'tools' | 'prompts'; items: readonly JsonObject[] }[],
  ): void {
    for (const { server, kind, items } of lists) {
      if (kind === 'tools')
        this.toolSchemas.set(
          server,
          items.map((t) => t['inputSchema']),
        );
      else this.promptSchemas.set(server, items.map(promptSchemaOf));
    }
    const tools = argumentsTypeOf([...this.toolSchemas.values()].flat());
    const prompts = argumentsTypeOf([...this.promptSchemas.values()].flat());
    if (tools.type === this.argumentTypes.tools && prompts.type === this.argumentTypes.prompts) return;
    this.argumentTypes = { tools: tools.type, prompts: prompts.type };
    if (tools.conflicts.length > 0) {
      this.options.log.warn('tools declare these arguments with different types; policies cannot type them', {
        arguments: tools.conflicts,
      });
    }
    this.reload();
  }

  /** The decision for a routed request acting on `target` (arguments converted by the tool's input schema). */
  decide(call: DownstreamCall, action: PolicyAction, target: PolicyTarget): PolicyDecision {
    return this.decideFacts(this.factsOf(call), action, target);
  }

  /** True when the caller may see an item in a list: some call of it is not denied. */
  visible(call: DownstreamCall, target: CallTarget): boolean {
    return this.visibleFacts(this.factsOf(call), target);
  }

  /** The same decision from facts (`rampart policy test` states them instead of receiving a request). */
  decideFacts(facts: RequestFacts, action: PolicyAction, target: PolicyTarget): PolicyDecision {
    const request = this.request(facts, action, target, true);
    const decision = this.current.decide(request);
    // Listed exactly when callable: an item list filtering hides is refused even where Cedar would allow this
    // call (possible only for argument conditions the witness search cannot build an example for). The same
    // request serves: visibility is kept on its shape, which leaves the arguments out.
    if (decision.effect !== 'deny' && (target.kind === 'tool' || target.kind === 'prompt')) {
      if (!this.current.visible(request)) {
        return {
          ...decision,
          effect: 'deny',
          policies: [],
          reason: 'No call of this item is listed as permitted.',
        };
      }
    }
    return decision;
  }

  visibleFacts(facts: RequestFacts, target: CallTarget): boolean {
    return this.current.visible(this.request(facts, useAction(target), target, false));
  }

  private factsOf(call: DownstreamCall): RequestFacts {
    return {
      principal: call.principal,
      era: call.era,
      remoteAddress: call.trace.remoteAddress,
      sessionLabels: this.sessionLabels(call),
      arguments: call.params?.['arguments'],
      nowMs: this.options.now(),
    };
  }

  private request(
    facts: RequestFacts,
    action: PolicyAction,
    target: PolicyTarget,
    withArguments: boolean,
  ): PolicyRequest {
    const context = baseContext({
      principal: facts.principal,
      nowMs: facts.nowMs,
      timezone: this.config.timezone,
      remoteAddress: facts.remoteAddress,
      era: facts.era,
      sessionLabels: facts.sessionLabels,
    });
    const { resource, related } = this.resourceOf(target);
    let args: Record<string, CedarValue> | undefined;
    if (withArguments && (action === 'call' || action === 'get')) {
      const schema =
        target.kind === 'tool' ? target.item['inputSchema'] : promptArgumentsSchema(facts.arguments);
      args = cedarArguments(facts.arguments, schema);
    }
    return {
      principal: principalEntity(facts.principal, this.options.qualifyIds === true),
      action,
      resource,
      related,
      context,
      arguments: args,
      argumentTypes: declaredTypesOf(target),
    };
  }

  private resourceOf(target: PolicyTarget): { resource: CedarEntity; related: CedarEntity[] } {
    if (target.kind === 'catalog') return { resource: catalogEntity(target.name), related: [] };
    const server = serverEntity(target.server, this.labelsOf(target.server));
    switch (target.kind) {
      case 'server':
        return { resource: server, related: [] };
      case 'tool':
        return {
          resource: toolEntity(target.server, target.exposedName, target.item, {
            // The same labels toxic-flow tracking adds to the session: config's, then the tool's own hints'.
            labels: this.itemLabels(target).map((l) => l.label),
            risk: this.riskOf(target.server, target.exposedName),
          }),
          related: [server],
        };
      case 'prompt':
        return {
          resource: promptEntity(
            target.server,
            target.exposedName,
            target.item,
            this.marks(target.server, target.exposedName),
          ),
          related: [server],
        };
      case 'resource': {
        const marks = this.marks(target.server);
        return {
          resource: resourceEntity(
            target.server,
            target.uri,
            target.upstreamUri,
            target.mimeType,
            target.templates.map((t) => t.exposed),
            marks,
          ),
          related: [
            server,
            ...target.templates.map((t) => templateEntity(target.server, t.exposed, t.own, marks)),
          ],
        };
      }
      case 'resourceTemplate':
        return {
          resource: templateEntity(
            target.server,
            target.uriTemplate,
            target.upstreamUriTemplate,
            this.marks(target.server),
          ),
          related: [server],
        };
    }
  }

  /** An item's labels with their origin: `policy.labels` (its server's and its own) and, for tools, its hints. */
  itemLabels(target: CallTarget): ItemLabel[] {
    return itemLabels(this.config, target);
  }

  private labelsOf(name: string): readonly string[] {
    return this.config.labels[name] ?? [];
  }

  /** An item's labels (its own and its server's) and its risk as the metadata detectors scored it. */
  private marks(server: string, exposedName?: string): { labels: string[]; risk: number } {
    const own = exposedName === undefined ? [] : this.labelsOf(exposedName);
    const risk = exposedName === undefined ? 0 : this.riskOf(server, exposedName);
    return { labels: [...new Set([...this.labelsOf(server), ...own])], risk };
  }

  /** Reads each file once, so the bytes validated are the bytes `accept` judges and change control records. */
  private load(): { source: PolicySetSource; files: ReadonlyMap<string, Buffer> } {
    const read = new Map<string, Buffer | Error>();
    for (const file of this.config.files) {
      try {
        read.set(file, readFileSync(file));
      } catch (err) {
        read.set(file, err as Error);
      }
    }
    const source = loadPolicyFiles(this.config.files, {
      argumentsType: this.argumentTypes.tools,
      promptArgumentsType: this.argumentTypes.prompts,
      read: (file) => {
        const bytes = read.get(file);
        if (!(bytes instanceof Buffer)) throw bytes;
        return bytes.toString('utf8');
      },
    });
    // A file that could not be read made loadPolicyFiles throw: every entry is bytes now.
    const files = read as Map<string, Buffer>;
    const refused = this.options.accept?.(files);
    if (refused) throw new PolicyLoadError([refused]);
    return { source, files };
  }

  private logWarnings(source: PolicySetSource): void {
    for (const warning of source.warnings)
      this.options.log.warn('policy warning', { problem: formatProblem(warning) });
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    // Editors write in several steps: reload once the burst is over.
    this.reloadTimer = setTimeout(() => this.reload(), 100);
    this.reloadTimer.unref();
  }
}

/** The action whose decision makes an item visible in its list. */
function useAction(target: CallTarget): PolicyAction {
  switch (target.kind) {
    case 'tool':
      return 'call';
    case 'prompt':
      return 'get';
    default:
      return 'read';
  }
}

/** A prompt's declared arguments as an input schema of strings (MCP prompt arguments are strings). */
function promptSchemaOf(prompt: JsonObject): unknown {
  const args = Array.isArray(prompt['arguments']) ? prompt['arguments'] : [];
  const properties: JsonObject = {};
  for (const arg of args)
    if (isObject(arg) && typeof arg['name'] === 'string') properties[arg['name']] = { type: 'string' };
  return { type: 'object', properties };
}

/** The declared JSON types of an item's top-level arguments (prompt arguments are strings). */
function declaredTypesOf(target: PolicyTarget): Record<string, string> | undefined {
  if (target.kind === 'prompt') {
    const args = Array.isArray(target.item['arguments']) ? target.item['arguments'] : [];
    const types: Record<string, string> = {};
    for (const arg of args)
      if (isObject(arg) && typeof arg['name'] === 'string') types[arg['name']] = 'string';
    // Every prompt argument is a string, declared or not.
    types['*'] = 'string';
    return types;
  }
  if (target.kind !== 'tool') return undefined;
  const schema = target.item['inputSchema'];
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  const types: Record<string, string> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (isObject(property) && typeof property['type'] === 'string') types[name] = property['type'];
  }
  return types;
}

/** Prompt arguments are strings (MCP): any other value is refused like a mistyped tool argument. */
function promptArgumentsSchema(args: unknown): JsonObject {
  const properties: JsonObject = {};
  if (isObject(args)) for (const name of Object.keys(args)) properties[name] = { type: 'string' };
  return { type: 'object', properties };
}
