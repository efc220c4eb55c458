// The scope of a policy (its action and resource constraints) as a cheap predicate, so a decision evaluates only
// the policies that can apply to its action and resource. A policy whose scope does not match a request is "not
// applicable" in Cedar's semantics whatever its conditions say, so leaving it out never changes a decision.
import type * as cedar from '@cedar-policy/cedar-wasm/nodejs';

/** What slicing needs to know about a request's resource: its type, id and every ancestor ("Type::id"). */
export interface ResourceScope {
  readonly type: string;
  readonly id: string;
  readonly ancestors: ReadonlySet<string>;
}

export interface PolicyScope {
  matches(action: string, resource: ResourceScope): boolean;
}

export function entityKey(type: string, id: string): string {
  return `${type}::${JSON.stringify(id)}`;
}

function uidOf(ref: cedar.EntityUidJson): { type: string; id: string } {
  return '__entity' in ref ? ref.__entity : ref;
}

/** The predicate for one policy's scope, from its JSON form. Principal constraints are left to Cedar. */
export function scopeOf(policy: cedar.PolicyJson): PolicyScope {
  const action = actionMatcher(policy.action);
  const resource = resourceMatcher(policy.resource);
  return { matches: (a, r) => action(a) && resource(r) };
}

function actionMatcher(constraint: cedar.ActionConstraint): (action: string) => boolean {
  if (constraint.op === 'All') return () => true;
  if (constraint.op === '==') {
    // Templates (slots) are refused at load; a slot here would be a bug, so it matches everything (no slicing).
    if (!('entity' in constraint)) return () => true;
    const { id } = uidOf(constraint.entity);
    return (action) => action === id;
  }
  const entities = 'entities' in constraint ? constraint.entities : [constraint.entity];
  const ids = new Set(entities.map((e) => uidOf(e).id));
  return (action) => ids.has(action);
}

function resourceMatcher(constraint: cedar.ResourceConstraint): (resource: ResourceScope) => boolean {
  switch (constraint.op) {
    case 'All':
      return () => true;
    case '==': {
      if (!('entity' in constraint)) return () => true;
      const { type, id } = uidOf(constraint.entity);
      return (r) => r.type === type && r.id === id;
    }
    case 'in': {
      if (!('entity' in constraint)) return () => true;
      return inMatcher(constraint.entity);
    }
    case 'is': {
      const within =
        constraint.in && 'entity' in constraint.in ? inMatcher(constraint.in.entity) : () => true;
      return (r) => r.type === constraint.entity_type && within(r);
    }
  }
}

/** `resource in E`: the resource is E or E is among its ancestors. */
function inMatcher(ref: cedar.EntityUidJson): (resource: ResourceScope) => boolean {
  const { type, id } = uidOf(ref);
  const key = entityKey(type, id);
  return (r) => (r.type === type && r.id === id) || r.ancestors.has(key);
}
