// The one decision function. Every path (calls, reads, gets, completions, subscriptions, list filtering,
// server-to-client requests) asks it, so a tool hidden from a list is refused on call by the same policies.
//
// Speed without a second source of truth: the policy set is sliced by scope (action, resource) and each distinct
// slice is preparsed once, so a decision evaluates only the policies that can apply; Cedar still decides. A
// property test checks that a sliced decision equals the decision of the whole set.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarValue } from './arguments.ts';
import type { PolicyAction } from './mcp-schema.ts';
import type { ApprovalMode, LoadedPolicy, PolicySetSource } from './policy-files.ts';
import { entityKey, type PolicyScope, type ResourceScope, scopeOf } from './scope.ts';
import { type DeclaredTypes, witnessCandidates } from './witness.ts';

export interface CedarEntity {
  readonly uid: { readonly type: string; readonly id: string };
  readonly attrs: Record<string, CedarValue>;
  readonly parents: readonly { readonly type: string; readonly id: string }[];
}

export interface PolicyRequest {
  readonly principal: CedarEntity;
  readonly action: PolicyAction;
  readonly resource: CedarEntity;
  /** Entities the resource's ancestors name (its server, a resource's templates), with their attributes. */
  readonly related: readonly CedarEntity[];
  /** The context without `arguments`. */
  readonly context: Record<string, CedarValue>;
  /** `context.arguments` of a call or get; absent for other actions. */
  readonly arguments?: Record<string, CedarValue> | undefined;
  /** Declared types of the item's top-level arguments: list filtering only tries arguments a call could carry. */
  readonly argumentTypes?: DeclaredTypes | undefined;
}

export type PolicyEffect = 'allow' | 'deny' | 'approval';

export interface PolicyDecision {
  readonly effect: PolicyEffect;
  /** The policies that decided: satisfied permits (allow), satisfied forbids (deny), the approval forbids. */
  readonly policies: readonly string[];
  /** Safe to show to the caller: the deciding forbids' `@reason`, or a generic sentence. */
  readonly reason: string;
  /** For `approval`: who may approve. */
  readonly approval?: ApprovalMode | undefined;
  /** For `approval`: the forbids that hold the call (what a refusal names if the human says no). */
  readonly holding?: readonly string[] | undefined;
  /** Policies that failed to evaluate (an errored forbid denies). */
  readonly errored: readonly string[];
  readonly policyDigest: string;
}

interface Slice {
  readonly ids: readonly string[];
  /** The slice without its approval forbids, to tell "needs approval" from "denied". */
  readonly unapprovedIds: readonly string[];
  /** Top-level context attributes the slice's policies read; undefined when one reads `context` as a whole. */
  readonly contextKeys: ReadonlySet<string> | undefined;
  /** What of the principal the slice's policies read: a team shares plans when no policy names the person. */
  readonly principalUse: PrincipalUse;
}

/** The parts of the principal entity that some policy reads (undefined attrs: all of them). */
interface PrincipalUse {
  readonly uid: boolean;
  readonly parents: boolean;
  readonly attrs: ReadonlySet<string> | undefined;
}

/**
 * What is left of a decision once everything but the arguments is known (Cedar partial evaluation): either the
 * decision itself, or the residual policies, which only read `context.arguments`, preparsed in a slot.
 */
interface Plan {
  /** The partial decision: `null` while it depends on the arguments. */
  readonly partial: 'allow' | 'deny' | null;
  readonly constant: PolicyDecision | undefined;
  readonly slot: number | undefined;
  /** The residuals still name entities (a rare mix of arguments and entities), so they are passed again. */
  readonly needsEntities: boolean;
  /**
   * The arguments the residuals read (`context.arguments.x`, `context.arguments has x`): only these are passed to
   * Cedar (a file's content or a long prompt costs nothing then). Undefined: they read the arguments as a whole.
   */
  readonly argumentKeys?: readonly string[] | undefined;
  /** The residual policies (JSON), where list filtering looks for arguments that would be allowed. */
  readonly residuals?: unknown;
}

interface Shape {
  readonly full: Plan;
  readonly unapproved: Plan;
  /** Whether some call is not denied, once list filtering asked. */
  visible?: boolean;
}

/** Request shapes kept planned; each may hold one preparsed residual set (a slot that is reused on eviction). */
const MAX_SHAPES = 4096;
let engineGeneration = 0;

export class PolicyEngine {
  readonly source: PolicySetSource;
  private readonly byId: Map<string, LoadedPolicy>;
  private readonly scopes: {
    readonly policy: LoadedPolicy;
    readonly scope: PolicyScope;
    readonly contextKeys: ReadonlySet<string> | undefined;
    readonly principalUse: PrincipalUse;
  }[];
  /** Slices by (action, resource): which policies can apply. */
  private readonly slices = new Map<string, Slice>();
  /** Plans by request shape (everything but the arguments), least recently used first. */
  private readonly shapes = new Map<string, Shape>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private readonly prefix: string;
  private wholeSetId: string | undefined;
  private wholeUnapprovedId: string | undefined;
  private readonly maxShapes: number;

  /** `maxShapes` bounds the plan cache (tests lower it to exercise eviction). */
  constructor(source: PolicySetSource, options: { readonly maxShapes?: number } = {}) {
    this.source = source;
    this.maxShapes = Math.max(1, options.maxShapes ?? MAX_SHAPES);
    this.byId = new Map(source.policies.map((p) => [p.id, p]));
    this.scopes = source.policies.map((policy) => ({
      policy,
      scope: scopeOf(policy.json),
      contextKeys: contextKeysOf(policy.json),
      principalUse: principalUseOf(policy.json),
    }));
    this.prefix = `rampart-${++engineGeneration}`;
  }

  get digest(): string {
    return this.source.digest;
  }

  policy(id: string): LoadedPolicy | undefined {
    return this.byId.get(id);
  }

  /** Decides one request: its slice, planned once per request shape, then the residuals on the arguments. */
  decide(request: PolicyRequest): PolicyDecision {
    const shape = this.shape(request);
    const first = this.run(shape.full, request);
    if (first.effect !== 'deny' || shape.full === shape.unapproved) return first;
    return this.withApproval(first, () => this.run(shape.unapproved, request));
  }

  /** Decides one request on the whole set in one Cedar call (the reference a sliced decision must equal). */
  decideWhole(request: PolicyRequest): PolicyDecision {
    const all = this.source.policies;
    this.wholeSetId ??= this.preparseWhole(
      'whole',
      all.map((p) => p.id),
    );
    this.wholeUnapprovedId ??= this.preparseWhole(
      'whole-unapproved',
      all.filter((p) => !p.approval).map((p) => p.id),
    );
    const context: Record<string, CedarValue> = { ...request.context };
    if (request.arguments !== undefined) context['arguments'] = request.arguments;
    const evaluate = (setId: string | undefined) =>
      setId === undefined
        ? this.denied([], 'No policy permits this request.')
        : this.interpret(
            cedar.statefulIsAuthorized({
              principal: request.principal.uid,
              action: { type: 'Action', id: request.action },
              resource: request.resource.uid,
              context: context as cedar.Context,
              preparsedPolicySetId: setId,
              entities: entitiesOf(request),
            }),
          );
    const first = evaluate(this.wholeSetId);
    if (first.effect !== 'deny') return first;
    return this.withApproval(first, () => evaluate(this.wholeUnapprovedId));
  }

  /**
   * Whether the principal may see an item in a list: true unless every possible call of it is denied (the
   * arguments are unknown), so an item is listed exactly when some call of it is not denied by policy. A call
   * held for approval is not a denied one.
   */
  visible(request: PolicyRequest): boolean {
    const shape = this.shape(request);
    shape.visible ??= this.someCallAllowed(shape.unapproved, request);
    return shape.visible;
  }

  /** Definite plans answer at once; residual ones need one allowed witness among the candidate arguments. */
  private someCallAllowed(plan: Plan, request: PolicyRequest): boolean {
    if (plan.partial === 'deny') return false;
    if (plan.constant) return plan.constant.effect !== 'deny';
    for (const args of witnessCandidates(plan.residuals, request.argumentTypes)) {
      if (this.run(plan, { ...request, arguments: args }).effect !== 'deny') return true;
    }
    return false;
  }

  /** A deny whose deciding forbids all ask for approval, and which they alone decided, becomes `approval`. */
  private withApproval(first: PolicyDecision, unapproved: () => PolicyDecision): PolicyDecision {
    if (first.errored.length > 0 || first.policies.length === 0) return first;
    const forbids = first.policies.map((id) => this.byId.get(id)!);
    if (!forbids.every((p) => p.approval !== undefined)) return first;
    const without = unapproved();
    if (without.effect !== 'allow') return first;
    return {
      ...without,
      effect: 'approval',
      policies: [...first.policies, ...without.policies],
      reason: reasonOf(forbids, 'This call needs approval.'),
      approval: forbids.some((p) => p.approval === 'approver') ? 'approver' : 'any',
      holding: first.policies,
    };
  }

  private shape(request: PolicyRequest): Shape {
    const slice = this.slice(request);
    const context = project(request.context, slice.contextKeys);
    // Planned on the principal as far as the slice reads it: users of one team share the plans of a slice whose
    // policies only ask for group membership. Residual evaluation still gets the real principal.
    const principal = projectPrincipal(request.principal, slice.principalUse);
    const planned: PolicyRequest = principal === request.principal ? request : { ...request, principal };
    const key = JSON.stringify([
      request.action,
      principal,
      request.resource,
      request.related,
      context,
      request.argumentTypes ?? null,
    ]);
    const known = this.shapes.get(key);
    if (known) {
      // Least recently used first: refresh this one.
      this.shapes.delete(key);
      this.shapes.set(key, known);
      return known;
    }
    if (this.shapes.size >= this.maxShapes) this.evictOldest();
    const full = this.plan(planned, context, slice.ids);
    const unapproved =
      slice.unapprovedIds.length === slice.ids.length
        ? full
        : this.plan(planned, context, slice.unapprovedIds);
    const shape: Shape = { full, unapproved };
    this.shapes.set(key, shape);
    return shape;
  }

  private evictOldest(): void {
    const [oldest] = this.shapes;
    if (!oldest) return;
    this.shapes.delete(oldest[0]);
    for (const plan of new Set([oldest[1].full, oldest[1].unapproved])) {
      if (plan.slot !== undefined) this.freeSlots.push(plan.slot);
    }
  }

  /** Partially evaluates the slice with the arguments unknown. */
  private plan(request: PolicyRequest, context: Record<string, CedarValue>, ids: readonly string[]): Plan {
    if (ids.length === 0) {
      return {
        partial: 'deny',
        constant: this.denied([], 'No policy permits this request.'),
        slot: undefined,
        needsEntities: false,
      };
    }
    const partialContext: Record<string, CedarValue> = { ...context };
    if (request.action === 'call' || request.action === 'get') {
      partialContext['arguments'] = { __extn: { fn: 'unknown', arg: 'arguments' } };
    }
    const evaluate = (policies: Record<string, cedar.Policy>) =>
      cedar.isAuthorizedPartial({
        principal: request.principal.uid,
        action: { type: 'Action', id: request.action },
        resource: request.resource.uid,
        context: partialContext as cedar.Context,
        policies: { staticPolicies: policies },
        entities: entitiesOf(request),
      });
    // The parsed JSON form: Cedar takes it about 40 % faster than the text, which it would parse again each time.
    let answer = evaluate(Object.fromEntries(ids.map((id) => [id, this.byId.get(id)!.json])));
    // A context holding an unknown is a record expression to Cedar, so whatever a policy reads from the context
    // (`context.time.hour`, `context has sourceAddress`) stays in the residuals though it is known. Attribute
    // access on that record literal is resolved and the residuals evaluated again: what is left then reads only
    // the arguments, and a decision that does not depend on them is known here (list filtering relies on it).
    if (answer.type !== 'failure' && answer.response.nontrivialResiduals.length > 0) {
      const first = answer.response;
      const projected: Record<string, cedar.Policy> = {};
      let changed = false;
      for (const id of [...first.satisfied, ...first.nontrivialResiduals]) {
        const residual = first.residuals[id];
        if (!residual) continue;
        const out = projectRecordLiterals(residual);
        changed ||= out !== residual;
        projected[id] = out as cedar.PolicyJson;
      }
      if (changed) {
        const second = evaluate(projected);
        answer =
          second.type === 'failure'
            ? second
            : {
                ...second,
                response: { ...second.response, errored: [...first.errored, ...second.response.errored] },
              };
      }
    }
    if (answer.type === 'failure') {
      const constant = this.denied([], 'The request could not be evaluated.', ['request']);
      return { partial: 'deny', constant, slot: undefined, needsEntities: false };
    }
    const response = answer.response;
    const erroredForbids = response.errored.filter((id) => this.byId.get(id)?.effect === 'forbid');
    if (erroredForbids.length > 0) {
      const constant = this.denied(erroredForbids, ERRORED_FORBID, response.errored);
      return { partial: 'deny', constant, slot: undefined, needsEntities: false };
    }
    if (response.nontrivialResiduals.length === 0) {
      return {
        partial: response.decision,
        constant: this.constant(response),
        slot: undefined,
        needsEntities: false,
      };
    }
    // Residuals: the satisfied policies (`when { true }`, so they are named as deciding again) and the ones that
    // still depend on the arguments, with `unknown("arguments")` read back from `context.arguments`.
    const residuals: Record<string, unknown> = {};
    for (const id of [...response.satisfied, ...response.nontrivialResiduals]) {
      const residual = response.residuals[id];
      if (residual) residuals[id] = readArgumentsFromContext(residual);
    }
    const text = JSON.stringify(residuals);
    const slot = this.freeSlots.pop() ?? this.nextSlot++;
    const prepared = cedar.preparsePolicySet(`${this.prefix}-slot-${slot}`, {
      staticPolicies: residuals as Record<string, cedar.PolicyJson>,
    });
    if (prepared.type === 'failure') {
      this.freeSlots.push(slot);
      const constant = this.denied([], 'The request could not be evaluated.', ['residual']);
      return { partial: 'deny', constant, slot: undefined, needsEntities: false };
    }
    return {
      partial: response.decision,
      constant: undefined,
      slot,
      needsEntities: text.includes('"__entity"') || /"Var":"(principal|resource)"/.test(text),
      argumentKeys: argumentKeysOf(residuals),
      residuals,
    };
  }

  private constant(response: cedar.ResidualResponse): PolicyDecision {
    const satisfied = response.satisfied.map((id) => this.byId.get(id)!);
    if (response.decision === 'allow') {
      return {
        effect: 'allow',
        policies: satisfied.filter((p) => p.effect === 'permit').map((p) => p.id),
        reason: '',
        errored: response.errored,
        policyDigest: this.digest,
      };
    }
    const forbids = satisfied.filter((p) => p.effect === 'forbid');
    return this.denied(
      forbids.map((p) => p.id),
      reasonOf(forbids, 'No policy permits this request.'),
      response.errored,
    );
  }

  private run(plan: Plan, request: PolicyRequest): PolicyDecision {
    if (plan.constant) return plan.constant;
    const answer = cedar.statefulIsAuthorized({
      principal: request.principal.uid,
      action: { type: 'Action', id: request.action },
      resource: request.resource.uid,
      context: { arguments: projectArguments(request.arguments ?? {}, plan.argumentKeys) } as cedar.Context,
      preparsedPolicySetId: `${this.prefix}-slot-${plan.slot}`,
      entities: plan.needsEntities ? entitiesOf(request) : [],
    });
    return this.interpret(answer);
  }

  private interpret(answer: cedar.AuthorizationAnswer): PolicyDecision {
    if (answer.type === 'failure') return this.denied([], 'The request could not be evaluated.', ['request']);
    const { decision, diagnostics } = answer.response;
    const errored = diagnostics.errors.map((e) => e.policyId);
    // Cedar skips a policy whose condition errors. For a forbid that would fail open, so it denies instead.
    const erroredForbids = errored.filter((id) => this.byId.get(id)?.effect === 'forbid');
    if (erroredForbids.length > 0) return this.denied(erroredForbids, ERRORED_FORBID, errored);
    if (decision === 'allow') {
      return {
        effect: 'allow',
        policies: diagnostics.reason,
        reason: '',
        errored,
        policyDigest: this.digest,
      };
    }
    const forbids = diagnostics.reason.map((id) => this.byId.get(id)!);
    return this.denied(diagnostics.reason, reasonOf(forbids, 'No policy permits this request.'), errored);
  }

  private denied(
    policies: readonly string[],
    reason: string,
    errored: readonly string[] = [],
  ): PolicyDecision {
    return { effect: 'deny', policies, reason, errored, policyDigest: this.digest };
  }

  private slice(request: PolicyRequest): Slice {
    const resource = request.resource.uid;
    // The ancestors are part of the key: the same resource URI gains or loses templates as catalogs change, and
    // a slice computed without a template would leave out the policies scoped to it.
    const ancestors = ancestorsOf(request);
    const key = `${request.action}\u0000${entityKey(resource.type, resource.id)}\u0000${ancestors.join('\u0000')}`;
    const cached = this.slices.get(key);
    if (cached) return cached;
    const scope: ResourceScope = { type: resource.type, id: resource.id, ancestors: new Set(ancestors) };
    const matching = this.scopes.filter((s) => s.scope.matches(request.action, scope));
    let contextKeys: Set<string> | undefined = new Set();
    for (const s of matching) {
      if (s.contextKeys === undefined) contextKeys = undefined;
      else if (contextKeys) for (const k of s.contextKeys) contextKeys.add(k);
    }
    const slice: Slice = {
      ids: matching.map((s) => s.policy.id),
      unapprovedIds: matching.filter((s) => !s.policy.approval).map((s) => s.policy.id),
      contextKeys,
      principalUse: unionOf(matching.map((s) => s.principalUse)),
    };
    // Bounded: resources the catalog never lists (guessed URIs) must not grow this without limit.
    if (this.slices.size >= 50_000) this.slices.clear();
    this.slices.set(key, slice);
    return slice;
  }

  private preparseWhole(name: string, ids: readonly string[]): string | undefined {
    if (ids.length === 0) return undefined;
    const setId = `${this.prefix}-${name}`;
    const answer = cedar.preparsePolicySet(setId, {
      staticPolicies: Object.fromEntries(ids.map((id) => [id, this.byId.get(id)!.text])),
    });
    if (answer.type === 'failure') throw new Error(`cannot preparse policies: ${answer.errors[0]?.message}`);
    return setId;
  }
}

const ERRORED_FORBID = 'A policy that could forbid this request could not be evaluated.';

/** Only the context attributes some policy of the slice reads (the rest cannot change its decision). */
function project(
  context: Record<string, CedarValue>,
  keys: ReadonlySet<string> | undefined,
): Record<string, CedarValue> {
  if (keys === undefined) return context;
  const out: Record<string, CedarValue> = {};
  for (const key of keys) {
    const dot = key.indexOf('.');
    if (dot === -1) {
      if (key in context && key !== 'arguments') out[key] = context[key]!;
      continue;
    }
    // A field of a record (the clock): kept alone unless the whole record is read too.
    const [record, field] = [key.slice(0, dot), key.slice(dot + 1)];
    const source = context[record] as Record<string, CedarValue> | undefined;
    if (keys.has(record) || source === undefined || !(field in source)) continue;
    out[record] = { ...(out[record] as Record<string, CedarValue> | undefined), [field]: source[field]! };
  }
  return out;
}

/**
 * The top-level context attributes a policy reads (`context.x`, `context has x`), or undefined when it uses
 * `context` in any other way, which makes every attribute relevant.
 */
function contextKeysOf(policy: cedar.PolicyJson): Set<string> | undefined {
  const keys = new Set<string>();
  let whole = false;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record['Var'] === 'context') {
      whole = true;
      return;
    }
    // `context.time.hour`: only that field of the clock, so a slice reading the hour is planned once an hour, not
    // once a minute.
    const field = record['.'] as {
      left?: { '.'?: { left?: { Var?: string }; attr?: unknown } };
      attr?: unknown;
    };
    const clock = field?.left?.['.'];
    if (clock?.left?.Var === 'context' && clock.attr === 'time' && typeof field.attr === 'string') {
      keys.add(`time.${field.attr}`);
      return;
    }
    for (const op of ['.', 'has'] as const) {
      const inner = record[op] as { left?: { Var?: string }; attr?: unknown } | undefined;
      if (inner?.left?.Var !== 'context') continue;
      const attr = Array.isArray(inner.attr) ? inner.attr[0] : inner.attr;
      if (typeof attr === 'string') keys.add(attr);
      else whole = true;
      return;
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(policy.conditions);
  return whole ? undefined : keys;
}

/**
 * Resolves attribute access on record literals in a residual: `{a: x, ..}.a` becomes `x` and `{a: x, ..} has b`
 * becomes `false`. The record literals are the context Cedar substituted; their values are constants or the
 * `unknown("arguments")`, which cannot error, so dropping the other attributes changes no outcome. Returns the
 * node itself when nothing changed.
 */
function projectRecordLiterals(node: unknown): unknown {
  if (Array.isArray(node)) {
    const items = node.map(projectRecordLiterals);
    return items.some((item, i) => item !== node[i]) ? items : node;
  }
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const projected = projectRecordLiterals(value);
    if (projected !== value) changed = true;
    out[key] = projected;
  }
  for (const op of ['.', 'has'] as const) {
    const inner = out[op] as { left?: unknown; attr?: unknown } | undefined;
    if (Object.keys(out).length !== 1 || !inner || typeof inner.attr !== 'string') continue;
    const literal = (inner.left as { Record?: Record<string, unknown> } | undefined)?.Record;
    if (!literal || typeof literal !== 'object') continue;
    const present = Object.hasOwn(literal, inner.attr);
    if (op === 'has') return { Value: present };
    // A missing attribute is an error: left for Cedar to report.
    if (present) return literal[inner.attr];
  }
  return changed ? out : node;
}

/** The top-level argument attributes residuals read, or undefined when they use `context.arguments` otherwise. */
function argumentKeysOf(residuals: unknown): string[] | undefined {
  const keys = new Set<string>();
  let whole = false;
  const isArguments = (node: unknown) => {
    const access = (node as { '.'?: { left?: { Var?: unknown }; attr?: unknown } } | null)?.['.'];
    return access?.left?.Var === 'context' && access.attr === 'arguments';
  };
  const visit = (node: unknown): void => {
    if (whole || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (isArguments(node)) {
      whole = true;
      return;
    }
    const record = node as Record<string, unknown>;
    for (const op of ['.', 'has'] as const) {
      const inner = record[op] as { left?: unknown; attr?: unknown } | undefined;
      if (inner && isArguments(inner.left) && typeof inner.attr === 'string') {
        keys.add(inner.attr);
        return;
      }
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(residuals);
  return whole ? undefined : [...keys];
}

function projectArguments(
  args: Record<string, CedarValue>,
  keys: readonly string[] | undefined,
): Record<string, CedarValue> {
  if (keys === undefined) return args;
  const out: Record<string, CedarValue> = {};
  for (const key of keys) if (Object.hasOwn(args, key)) out[key] = args[key]!;
  return out;
}

/** Replaces partial evaluation's `unknown("arguments")` by `context.arguments` in a residual policy. */
function readArgumentsFromContext(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(readArgumentsFromContext);
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record['unknown'])) return { '.': { left: { Var: 'context' }, attr: 'arguments' } };
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, readArgumentsFromContext(v)]));
}

/** Every ancestor of the resource (`Type::"id"`), through the parents of the related entities too, as Cedar's `in`. */
function ancestorsOf(request: PolicyRequest): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (parents: CedarEntity['parents']) => {
    for (const p of parents) {
      const key = entityKey(p.type, p.id);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(key);
      const entity = request.related.find((e) => e.uid.type === p.type && e.uid.id === p.id);
      if (entity) visit(entity.parents);
    }
  };
  visit(request.resource.parents);
  return out;
}

function entitiesOf(request: PolicyRequest): cedar.EntityJson[] {
  return [request.principal, request.resource, ...request.related] as unknown as cedar.EntityJson[];
}

function reasonOf(policies: readonly LoadedPolicy[], fallback: string): string {
  const reasons = [...new Set(policies.map((p) => p.reason).filter((r): r is string => r !== undefined))];
  return reasons.length > 0 ? reasons.join(' ') : fallback;
}

const PRINCIPAL_TYPES = new Set(['User', 'Agent']);
/** Stands in for a principal id no policy of the slice reads (it can equal no entity a policy names). */
const ANY_PRINCIPAL = '\u0000rampart:any-principal';
const WHOLE: PrincipalUse = { uid: true, parents: true, attrs: undefined };

/**
 * What a policy reads of the principal: its id (`principal == ..`, or `in` a User/Agent, which Cedar's `in`
 * answers by equality too), its groups (`in Group::..`), its attributes (`principal.roles`, `principal has x`).
 * Any other use (passing `principal` as a value) counts as reading all of it.
 */
function principalUseOf(policy: cedar.PolicyJson): PrincipalUse {
  let uid = false;
  let parents = false;
  const attrs = new Set<string>();
  let all = false;
  const inEntity = (ref: unknown) => {
    const target = ref as { type?: string; __entity?: { type?: string } } | undefined;
    const type = target?.__entity?.type ?? target?.type;
    parents = true;
    if (type === undefined || PRINCIPAL_TYPES.has(type)) uid = true;
  };
  const scope = policy.principal as { op: string; entity?: unknown; in?: { entity?: unknown } };
  if (scope.op === '==') uid = true;
  if (scope.op === 'in') inEntity(scope.entity);
  if (scope.op === 'is' && scope.in) inEntity(scope.in.entity);
  const visit = (node: unknown): void => {
    if (all || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const record = node as Record<string, unknown>;
    if (record['Var'] === 'principal') {
      all = true;
      return;
    }
    for (const op of ['.', 'has'] as const) {
      const inner = record[op] as { left?: { Var?: unknown }; attr?: unknown } | undefined;
      if (inner?.left?.Var !== 'principal') continue;
      const attr = Array.isArray(inner.attr) ? inner.attr[0] : inner.attr;
      if (typeof attr === 'string') attrs.add(attr);
      else all = true;
      return;
    }
    const within = record['in'] as { left?: { Var?: unknown }; right?: { Value?: unknown } } | undefined;
    if (within?.left?.Var === 'principal' && within.right && 'Value' in within.right) {
      inEntity(within.right.Value);
      return;
    }
    const is = record['is'] as { left?: { Var?: unknown }; in?: unknown } | undefined;
    if (is?.left?.Var === 'principal' && is.in === undefined) return;
    for (const value of Object.values(record)) visit(value);
  };
  visit(policy.conditions);
  return all ? WHOLE : { uid, parents, attrs };
}

function unionOf(uses: readonly PrincipalUse[]): PrincipalUse {
  let uid = false;
  let parents = false;
  const attrs = new Set<string>();
  for (const use of uses) {
    if (use.attrs === undefined) return WHOLE;
    uid ||= use.uid;
    parents ||= use.parents;
    for (const a of use.attrs) attrs.add(a);
  }
  return { uid, parents, attrs };
}

/** The principal as far as `use` reads it (the same object when it reads all of it). */
function projectPrincipal(principal: CedarEntity, use: PrincipalUse): CedarEntity {
  if (use.attrs === undefined) return principal;
  const attrs: Record<string, CedarValue> = {};
  for (const name of use.attrs)
    if (Object.hasOwn(principal.attrs, name)) attrs[name] = principal.attrs[name]!;
  return {
    uid: use.uid ? principal.uid : { type: principal.uid.type, id: ANY_PRINCIPAL },
    attrs,
    parents: use.parents ? principal.parents : [],
  };
}
