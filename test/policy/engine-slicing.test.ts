// The sliced, planned decision (`decide`) against the reference (`decideWhole`: the whole policy set in one Cedar
// call), and list filtering (`visible`) against calling, on generated MCP policy sets and requests.
//
// Policies come from a grammar of realistic MCP policies (permit/forbid; principal, action and resource
// constraints; conditions on groups, roles, annotations, labels, risk, time, scopes, source address and the
// call's arguments; forbids with unguarded argument access, which error and so must deny; `@approval` forbids),
// always valid against the schema, so every generated set loads. Requests come from a small universe (three
// servers with tools, prompts, resources and templates) so that scopes and conditions often match. "Some call is
// not denied" is decided over a finite set of argument records that covers every argument condition the grammar
// writes (each argument absent, matching, not matching). FC_SCALE=10 runs a ten times longer search.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Principal } from '../../src/auth/principal.ts';
import type { CedarValue } from '../../src/policy/arguments.ts';
import {
  type CedarEntity,
  type PolicyDecision,
  PolicyEngine,
  type PolicyRequest,
} from '../../src/policy/engine.ts';
import {
  baseContext,
  catalogEntity,
  principalEntity,
  promptEntity,
  resourceEntity,
  serverEntity,
  templateEntity,
  toolEntity,
} from '../../src/policy/entities.ts';
import { ACTIONS, type PolicyAction, type ResourceType } from '../../src/policy/mcp-schema.ts';
import { loadPolicyFiles } from '../../src/policy/policy-files.ts';

// ---------------------------------------------------------------------------------------------------------------
// The universe

const ARGUMENTS_TYPE = '{path?: String, amount?: Long, host?: String}';
/** MCP prompt arguments are strings. */
const PROMPT_ARGUMENTS_TYPE = '{path?: String, host?: String}';

const SERVERS = ['fs', 'db', 'pay'] as const;
const TOOLS = [
  ['fs', 'read_file'],
  ['fs', 'write_file'],
  ['db', 'query'],
  ['db', 'drop_table'],
  ['pay', 'transfer'],
  ['pay', 'refund'],
] as const;
const PROMPTS = [
  ['fs', 'summarize'],
  ['db', 'report'],
  ['pay', 'invoice'],
] as const;
const TEMPLATES = [
  ['fs', 'file:///data/{name}'],
  ['fs', 'file:///{+path}'],
  ['db', 'db://tables/{table}'],
] as const;
/** Each resource with the templates it may match (a request picks a subset: catalogs change). */
const RESOURCES = [
  ['fs', 'file:///data/a.csv', ['file:///data/{name}', 'file:///{+path}']],
  ['fs', 'file:///etc/passwd', ['file:///{+path}']],
  ['db', 'db://tables/users', ['db://tables/{table}']],
] as const;
const GROUPS = ['eng', 'ops', 'finance'] as const;
const ROLES = ['admin', 'viewer'] as const;
const LABELS = ['pii', 'prod'] as const;
const ALL_ACTIONS = Object.keys(ACTIONS) as PolicyAction[];
const ALL_TYPES: readonly ResourceType[] = [
  'Server',
  'Tool',
  'Prompt',
  'Resource',
  'ResourceTemplate',
  'Catalog',
];
const IN_SERVER: readonly ResourceType[] = ['Server', 'Tool', 'Prompt', 'Resource', 'ResourceTemplate'];

const exposed = (server: string, name: string) => `${server}__${name}`;

// ---------------------------------------------------------------------------------------------------------------
// Policies

/** A scope constraint with the resource types it admits. */
interface ResourceConstraint {
  readonly text: string;
  readonly types: readonly ResourceType[];
}

const principalConstraint = fc.constantFrom(
  'principal',
  'principal',
  'principal == User::"alice"',
  'principal == Agent::"bot"',
  'principal in Group::"eng"',
  'principal in Group::"finance"',
  'principal is Agent',
  'principal is User in Group::"ops"',
);

const actionRef = (a: string) => `Action::"${a}"`;
const actionConstraint: fc.Arbitrary<{ text: string; actions: readonly PolicyAction[] }> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ text: 'action', actions: ALL_ACTIONS }) },
  {
    weight: 5,
    arbitrary: fc
      .constantFrom<PolicyAction>(
        'call',
        'call',
        'call',
        'get',
        'read',
        'list',
        'complete',
        'subscribe',
        'sample',
      )
      .map((a) => ({ text: `action == ${actionRef(a)}`, actions: [a] })),
  },
  {
    weight: 2,
    arbitrary: fc
      .subarray(['call', 'get', 'read', 'complete', 'subscribe', 'list'] as PolicyAction[], {
        minLength: 1,
        maxLength: 3,
      })
      .map((as) => ({ text: `action in [${as.map(actionRef).join(', ')}]`, actions: as })),
  },
);

const resourceConstraint: fc.Arbitrary<ResourceConstraint> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ text: 'resource', types: ALL_TYPES }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...TOOLS)
      .map(([s, t]) => ({ text: `resource == Tool::"${exposed(s, t)}"`, types: ['Tool'] as ResourceType[] })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...SERVERS)
      .map((s) => ({ text: `resource in Server::"${s}"`, types: IN_SERVER })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<ResourceType>('Tool', 'Prompt', 'Resource')
      .map((t) => ({ text: `resource is ${t}`, types: [t] })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...SERVERS)
      .map((s) => ({ text: `resource is Tool in Server::"${s}"`, types: ['Tool'] as ResourceType[] })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...RESOURCES).map(([, uri]) => ({
      text: `resource == Resource::"${uri}"`,
      types: ['Resource'] as ResourceType[],
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...TEMPLATES).map(([, t]) => ({
      text: `resource in ResourceTemplate::"${t}"`,
      types: ['Resource', 'ResourceTemplate'] as ResourceType[],
    })),
  },
);

/** The argument conditions; `limit` is declared by no tool, so reading it unguarded loads (with a warning). */
const ARGUMENT_ATOMS = [
  'context.arguments has path && context.arguments.path like "/data/*"',
  'context.arguments has amount && context.arguments.amount > 100',
  'context.arguments has host && ["a.example", "b.example"].contains(context.arguments.host)',
] as const;
const UNGUARDED_ATOM = 'context.arguments.limit > 10';

/** The condition atoms that validate for every (action, resource type) a scope admits. */
function atomsFor(
  effect: 'permit' | 'forbid',
  actions: readonly PolicyAction[],
  types: readonly ResourceType[],
) {
  const toolsOnly = types.every((t) => t === 'Tool');
  const withRisk = types.every((t) => t !== 'Server' && t !== 'Catalog');
  const atoms = [
    'principal in Group::"eng"',
    'principal in Group::"ops"',
    'principal.roles.contains("admin")',
    'principal.tenant == "acme"',
    'principal is Agent',
    // Reads of the principal's id in conditions (plans are shared across principals when no policy names one).
    'principal == User::"alice"',
    'principal in User::"bob"',
    'principal in [Group::"eng", Group::"ops"]',
    toolsOnly
      ? 'resource.annotations.destructiveHint'
      : 'resource has annotations && resource.annotations.destructiveHint',
    toolsOnly
      ? 'resource.annotations.readOnlyHint'
      : 'resource has annotations && resource.annotations.readOnlyHint',
    'resource has labels && resource.labels.contains("pii")',
    withRisk ? 'resource.risk > 2' : 'resource has risk && resource.risk > 2',
    'context.time.hour >= 9 && context.time.hour < 17',
    '["Sat", "Sun"].contains(context.time.weekday)',
    'context.scopes.contains("tools:write")',
    'context has sourceAddress && context.sourceAddress.isLoopback()',
    'context has sourceAddress && context.sourceAddress.isInRange(ip("10.0.0.0/8"))',
  ];
  const argumentAtoms: string[] = [];
  if (actions.every((a) => a === 'call' || a === 'get')) {
    argumentAtoms.push(...ARGUMENT_ATOMS);
    if (effect === 'forbid') argumentAtoms.push(UNGUARDED_ATOM);
  }
  return { atoms, argumentAtoms };
}

/** Policy text without its `@id` (added once the set is assembled); `argumentConditions` allows reading them. */
function policyBody(argumentConditions: boolean): fc.Arbitrary<string> {
  return fc
    .record({
      effect: fc.constantFrom<'permit' | 'forbid'>('permit', 'permit', 'forbid'),
      principal: principalConstraint,
      action: actionConstraint,
      resource: resourceConstraint,
    })
    .filter(({ action, resource }) =>
      action.actions.some((a) => ACTIONS[a].some((t) => resource.types.includes(t))),
    )
    .chain(({ effect, principal, action, resource }) => {
      const types = resource.types.filter((t) =>
        action.actions.some((a) => (ACTIONS[a] as readonly string[]).includes(t)),
      );
      const { atoms, argumentAtoms } = atomsFor(effect, action.actions, types);
      // Argument conditions are what planning is about: favour them where they validate.
      const atom =
        argumentConditions && argumentAtoms.length > 0
          ? fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...atoms) },
              { weight: 2, arbitrary: fc.constantFrom(...argumentAtoms) },
            )
          : fc.constantFrom(...atoms);
      const clause = fc.oneof(
        { weight: 4, arbitrary: atom.map((a) => `(${a})`) },
        { weight: 2, arbitrary: fc.tuple(atom, atom).map(([a, b]) => `(${a}) && (${b})`) },
        { weight: 1, arbitrary: fc.tuple(atom, atom).map(([a, b]) => `(${a}) || (${b})`) },
      );
      const condition = fc
        .tuple(fc.constantFrom('when', 'when', 'unless'), clause)
        .map(([k, c]) => `${k} { ${c} }`);
      const annotation =
        effect === 'forbid'
          ? fc.constantFrom('', '', '@approval\n', '@approval("approver")\n', '@reason("not here")\n')
          : fc.constant('');
      return fc
        .tuple(annotation, fc.array(condition, { minLength: 0, maxLength: 2 }))
        .map(
          ([ann, conds]) =>
            `${ann}${effect} (${principal}, ${action.text}, ${resource.text})${conds.map((c) => `\n  ${c}`).join('')};`,
        );
    });
}

function policySetOf(argumentConditions: boolean): fc.Arbitrary<{ text: string }> {
  return fc.array(policyBody(argumentConditions), { minLength: 1, maxLength: 40 }).map((bodies) => ({
    text: bodies.map((b, i) => `@id("p${i}")\n${b}`).join('\n'),
  }));
}
const policySet = policySetOf(true);

function engineFor(set: { text: string }, options?: { maxShapes?: number }): PolicyEngine {
  const source = loadPolicyFiles(['generated.cedar'], {
    read: () => set.text,
    argumentsType: ARGUMENTS_TYPE,
    promptArgumentsType: PROMPT_ARGUMENTS_TYPE,
  });
  return new PolicyEngine(source, options);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

const principalArb: fc.Arbitrary<CedarEntity> = fc
  .record({
    agent: fc.boolean(),
    id: fc.constantFrom('alice', 'bob', 'bot'),
    groups: fc.subarray([...GROUPS]),
    roles: fc.subarray([...ROLES]),
    tenant: fc.constantFrom('acme', 'globex'),
  })
  .map(({ agent, id, groups, roles, tenant }) =>
    principalEntity(principalOf(id, agent, groups, roles, tenant, [])),
  );

function principalOf(
  id: string,
  agent: boolean,
  groups: readonly string[],
  roles: readonly string[],
  tenant: string,
  scopes: readonly string[],
): Principal {
  return {
    issuer: 'https://issuer.example',
    subject: id,
    clientId: agent ? id : 'client',
    agent: undefined,
    groups,
    roles,
    tenant,
    scopes,
    binding: 'bearer',
    tokenId: undefined,
    expiresAt: 0,
  };
}

/** Monday 2026-01-05 00:00 UTC. */
const MONDAY = Date.UTC(2026, 0, 5);

const contextArb: fc.Arbitrary<Record<string, CedarValue>> = fc
  .record({
    day: fc.integer({ min: 0, max: 6 }),
    hour: fc.constantFrom(3, 8, 9, 12, 16, 17, 22),
    scopes: fc.subarray(['mcp', 'tools:write']),
    address: fc.constantFrom(undefined, '127.0.0.1', '::1', '10.1.2.3', '192.168.1.5', '::ffff:10.9.9.9'),
  })
  .map(({ day, hour, scopes, address }) =>
    baseContext({
      principal: principalOf('alice', false, [], [], 'acme', scopes),
      nowMs: MONDAY + day * 86_400_000 + hour * 3_600_000,
      timezone: 'UTC',
      remoteAddress: address,
      era: '2025-11-25',
      sessionLabels: [],
    }),
  );

const marksArb = fc.record({ labels: fc.subarray([...LABELS]), risk: fc.integer({ min: 0, max: 4 }) });
const serverArb = (server: string) => fc.subarray([...LABELS]).map((labels) => serverEntity(server, labels));

interface Item {
  readonly kind: 'tool' | 'prompt' | 'resource' | 'template' | 'catalog' | 'server';
  readonly resource: CedarEntity;
  readonly related: readonly CedarEntity[];
}

const toolArb: fc.Arbitrary<Item> = fc
  .record({
    tool: fc.constantFrom(...TOOLS),
    readOnly: fc.constantFrom(undefined, true, false),
    destructive: fc.constantFrom(undefined, true, false),
    marks: marksArb,
  })
  .chain(({ tool, readOnly, destructive, marks }) =>
    serverArb(tool[0]).map((s) => {
      const [server, name] = [tool[0], tool[1]];
      const annotations: Record<string, boolean> = {};
      if (readOnly !== undefined) annotations['readOnlyHint'] = readOnly;
      if (destructive !== undefined) annotations['destructiveHint'] = destructive;
      const resource = toolEntity(server, exposed(server, name), { name, annotations }, marks);
      return { kind: 'tool' as const, resource, related: [s] };
    }),
  );

const promptArb: fc.Arbitrary<Item> = fc
  .tuple(fc.constantFrom(...PROMPTS), marksArb)
  .chain(([[server, name], marks]) =>
    serverArb(server).map((s) => ({
      kind: 'prompt' as const,
      resource: promptEntity(server, exposed(server, name), { name }, marks),
      related: [s],
    })),
  );

/** A resource, with a subset of the templates it may match as parents (the same URI may gain or lose some). */
const resourceArb: fc.Arbitrary<Item> = fc
  .tuple(fc.constantFrom(...RESOURCES), marksArb)
  .chain(([[server, uri, templates], marks]) =>
    fc.tuple(serverArb(server), fc.subarray([...templates])).map(([s, ts]) => ({
      kind: 'resource' as const,
      resource: resourceEntity(server, uri, uri, 'text/plain', ts, marks),
      related: [s, ...ts.map((t) => templateEntity(server, t, t, marks))],
    })),
  );

const templateArb: fc.Arbitrary<Item> = fc
  .tuple(fc.constantFrom(...TEMPLATES), marksArb)
  .chain(([[server, t], marks]) =>
    serverArb(server).map((s) => ({
      kind: 'template' as const,
      resource: templateEntity(server, t, t, marks),
      related: [s],
    })),
  );

const catalogArb: fc.Arbitrary<Item> = fc
  .constantFrom('tools', 'prompts', 'resources')
  .map((k) => ({ kind: 'catalog' as const, resource: catalogEntity(k), related: [] }));

const serverItemArb: fc.Arbitrary<Item> = fc
  .constantFrom(...SERVERS)
  .chain((server) => serverArb(server).map((s) => ({ kind: 'server' as const, resource: s, related: [] })));

/** Tool arguments: each present or absent, matching or not the conditions of the grammar, and some no policy reads. */
const toolArgumentsArb: fc.Arbitrary<Record<string, CedarValue>> = fc.record(
  {
    path: fc.constantFrom('/data/x.csv', '/data/', '/etc/passwd'),
    amount: fc.constantFrom(0, 100, 101, 5000),
    host: fc.constantFrom('a.example', 'b.example', 'c.example'),
    limit: fc.constantFrom(1, 10, 11, 50),
    // Read by no policy: left out of what Cedar is given, which must not change a decision.
    content: fc.string({ maxLength: 40 }),
    options: fc.record({ recursive: fc.boolean(), depth: fc.integer({ min: 0, max: 3 }) }),
  },
  { requiredKeys: [] },
);
/** Prompt arguments are strings (so an unguarded `limit > 10` errors whenever it is read). */
const promptArgumentsArb: fc.Arbitrary<Record<string, CedarValue>> = fc.record(
  {
    path: fc.constantFrom('/data/x.csv', '/etc/passwd'),
    host: fc.constantFrom('a.example', 'c.example'),
    limit: fc.constantFrom('5', '11'),
  },
  { requiredKeys: [] },
);

const itemArb = fc.oneof(
  { weight: 6, arbitrary: toolArb },
  { weight: 2, arbitrary: promptArb },
  { weight: 2, arbitrary: resourceArb },
  { weight: 1, arbitrary: templateArb },
  { weight: 1, arbitrary: catalogArb },
  { weight: 1, arbitrary: serverItemArb },
);

function actionsFor(kind: Item['kind']): PolicyAction[] {
  switch (kind) {
    case 'tool':
      return ['call'];
    case 'prompt':
      return ['get', 'get', 'complete'];
    case 'resource':
      return ['read', 'read', 'subscribe', 'complete'];
    case 'template':
      return ['read', 'complete'];
    case 'catalog':
      return ['list'];
    case 'server':
      return ['sample', 'elicit', 'roots'];
  }
}

function argumentsArbFor(action: PolicyAction): fc.Arbitrary<Record<string, CedarValue> | undefined> {
  if (action === 'call') return toolArgumentsArb;
  if (action === 'get') return promptArgumentsArb;
  return fc.constant(undefined);
}

const requestArb: fc.Arbitrary<PolicyRequest> = fc
  .tuple(principalArb, contextArb, itemArb)
  .chain(([principal, context, item]) =>
    fc.constantFrom(...actionsFor(item.kind)).chain((action) =>
      argumentsArbFor(action).map((args) => ({
        principal,
        action,
        resource: item.resource,
        related: item.related,
        context,
        arguments: args,
      })),
    ),
  );

// ---------------------------------------------------------------------------------------------------------------
// Comparisons

function summary(d: PolicyDecision) {
  return { effect: d.effect, approval: d.approval, policies: [...d.policies].sort() };
}

function describeRequest(r: PolicyRequest): string {
  return JSON.stringify({
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    related: r.related,
    context: r.context,
    arguments: r.arguments,
  });
}

function assertSame(engine: PolicyEngine, request: PolicyRequest, policies: string): void {
  const sliced = summary(engine.decide(request));
  const whole = summary(engine.decideWhole(request));
  assert.deepEqual(
    sliced,
    whole,
    `sliced ≠ whole\npolicies:\n${policies}\nrequest: ${describeRequest(request)}`,
  );
}

/** Every argument record the generator can tell apart: each argument absent, matching, or not matching. */
const TOOL_CANDIDATES = product({
  path: ['/data/x.csv', '/etc/passwd'],
  amount: [100, 101],
  host: ['a.example', 'c.example'],
  limit: [10, 11],
});
const PROMPT_CANDIDATES = product({
  path: ['/data/x.csv', '/etc/passwd'],
  host: ['a.example', 'c.example'],
  limit: ['5', '11'],
});

function product(values: Record<string, CedarValue[]>): Record<string, CedarValue>[] {
  let out: Record<string, CedarValue>[] = [{}];
  for (const [key, options] of Object.entries(values)) {
    out = out.flatMap((record) => [record, ...options.map((v) => ({ ...record, [key]: v }))]);
  }
  return out;
}

/** Whether some call of the item is not denied: over every candidate argument record for call and get. */
function someCallNotDenied(
  engine: PolicyEngine,
  request: PolicyRequest,
): Record<string, CedarValue> | null | false {
  const candidates =
    request.action === 'call' ? TOOL_CANDIDATES : request.action === 'get' ? PROMPT_CANDIDATES : [undefined];
  for (const args of candidates) {
    if (engine.decide({ ...request, arguments: args }).effect !== 'deny') return args ?? null;
  }
  return false;
}

const useAction = { tool: 'call', prompt: 'get', resource: 'read' } as const;
/**
 * The declared argument types list filtering is told: a tool's input schema; a prompt's declared arguments, which
 * are strings (MCP), here every argument the generator's conditions name.
 */
type Declared = Record<'tool' | 'prompt' | 'resource', Record<string, string> | undefined>;
const DECLARED: Declared = {
  tool: { path: 'string', amount: 'integer', host: 'string', content: 'string', options: 'object' },
  prompt: { path: 'string', host: 'string', limit: 'string', amount: 'string' },
  resource: undefined,
};
const listedItemArb = fc.oneof(toolArb, toolArb, promptArb, resourceArb);

// fast-check settings: FC_SEED replays a failure, FC_SCALE multiplies the number of runs (a longer search).
const seed = process.env['FC_SEED'] === undefined ? undefined : Number(process.env['FC_SEED']);
const scale = Number(process.env['FC_SCALE'] ?? 1);
const params = (numRuns: number) => ({
  numRuns: Math.ceil(numRuns * scale),
  ...(seed === undefined ? {} : { seed }),
});

// ---------------------------------------------------------------------------------------------------------------

describe('policy engine: sliced and planned decisions equal the whole set', () => {
  it('a resource that gains a template is decided by the policies scoped to the template (slice per ancestors)', () => {
    const engine = engineFor({
      text: `@id("all") permit (principal, action, resource);
@id("secret") forbid (principal, action == Action::"read", resource in ResourceTemplate::"file:///secret/{name}");
@id("fs") forbid (principal, action == Action::"subscribe", resource in Server::"fs");`,
    });
    const uri = 'file:///secret/key';
    const template = 'file:///secret/{name}';
    const base = { principal: principalEntity(undefined), context: {} as Record<string, CedarValue> };
    const server = serverEntity('fs', []);
    const untemplated: PolicyRequest = {
      ...base,
      action: 'read',
      resource: resourceEntity('fs', uri, uri, undefined, []),
      related: [server],
    };
    const templated: PolicyRequest = {
      ...base,
      action: 'read',
      resource: resourceEntity('fs', uri, uri, undefined, [template]),
      related: [server, templateEntity('fs', template, template)],
    };
    assert.equal(engine.decide(untemplated).effect, 'allow');
    assert.deepEqual(summary(engine.decide(templated)), {
      effect: 'deny',
      approval: undefined,
      policies: ['secret'],
    });
    // An ancestor reached only through a related entity (resource → template → server) counts too, as in Cedar.
    const throughTemplate: PolicyRequest = {
      ...templated,
      action: 'subscribe',
      resource: { ...templated.resource, parents: [{ type: 'ResourceTemplate', id: template }] },
    };
    assert.deepEqual(summary(engine.decideWhole(throughTemplate)), summary(engine.decide(throughTemplate)));
    assert.equal(engine.decide(throughTemplate).effect, 'deny');
  });

  it('generated policy sets load (the generator writes only valid policies)', () => {
    fc.assert(
      fc.property(policySet, (set) => {
        engineFor(set);
      }),
      params(60),
    );
  });

  it('decide(request) = decideWhole(request) for sequences of requests on one engine', () => {
    fc.assert(
      fc.property(policySet, fc.array(requestArb, { minLength: 1, maxLength: 12 }), (set, requests) => {
        const engine = engineFor(set);
        // Twice: the second pass decides from cached plans.
        for (const request of [...requests, ...requests]) assertSame(engine, request, set.text);
      }),
      params(100),
    );
  });

  it('decide = decideWhole across requests that differ only in their arguments', () => {
    const argumentRequests = fc
      .tuple(principalArb, contextArb, fc.oneof(toolArb, toolArb, promptArb))
      .chain(([principal, context, item]) => {
        const action: PolicyAction = item.kind === 'tool' ? 'call' : 'get';
        return fc.array(argumentsArbFor(action), { minLength: 2, maxLength: 10 }).map((argss) =>
          argss.map((args) => ({
            principal,
            action,
            resource: item.resource,
            related: item.related,
            context,
            arguments: args,
          })),
        );
      });
    fc.assert(
      fc.property(policySet, argumentRequests, (set, requests) => {
        const engine = engineFor(set);
        for (const request of requests) assertSame(engine, request, set.text);
      }),
      params(60),
    );
  });

  it('decide = decideWhole for one resource URI whose templates change (catalogs change)', () => {
    const templateRequests = fc
      .tuple(principalArb, contextArb, fc.constantFrom(...RESOURCES), marksArb, fc.subarray([...LABELS]))
      .chain(([principal, context, [server, uri, templates], marks, labels]) =>
        fc
          .array(
            fc.tuple(
              fc.subarray([...templates]),
              fc.constantFrom<PolicyAction>('read', 'subscribe', 'complete'),
            ),
            {
              minLength: 2,
              maxLength: 6,
            },
          )
          .map((steps) =>
            steps.map(
              ([ts, action]): PolicyRequest => ({
                principal,
                action,
                resource: resourceEntity(server, uri, uri, 'text/plain', ts, marks),
                related: [
                  serverEntity(server, labels),
                  ...ts.map((t) => templateEntity(server, t, t, marks)),
                ],
                context,
              }),
            ),
          ),
      );
    fc.assert(
      fc.property(policySet, templateRequests, (set, requests) => {
        const engine = engineFor(set);
        for (const request of requests) assertSame(engine, request, set.text);
      }),
      params(40),
    );
  });

  it('decide = decideWhole when the plan cache evicts (a cache of 2 shapes, requests revisited)', () => {
    fc.assert(
      fc.property(
        policySet,
        fc.array(requestArb, { minLength: 2, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 24 }),
        (set, pool, picks) => {
          const engine = engineFor(set, { maxShapes: 2 });
          for (const pick of picks) assertSame(engine, pool[pick % pool.length]!, set.text);
        },
      ),
      params(40),
    );
  });
});

describe('policy engine: an item is listed iff some call of it is not denied', () => {
  /** Checks `visible` against calling every listed item; `exact`: also that a listed item has a call not denied. */
  const listProperty = (set: fc.Arbitrary<{ text: string }>, exact: boolean, declared = DECLARED) =>
    fc.property(
      set,
      principalArb,
      contextArb,
      fc.array(listedItemArb, { minLength: 1, maxLength: 4 }),
      (policies, principal, context, items) => {
        const engine = engineFor(policies);
        for (const item of items) {
          const kind = item.kind as keyof typeof useAction;
          const request: PolicyRequest = {
            principal,
            action: useAction[kind],
            resource: item.resource,
            related: item.related,
            context,
            argumentTypes: declared[kind],
          };
          const visible = engine.visible(request);
          if (!exact && visible) continue;
          const witness = someCallNotDenied(engine, request);
          assert.equal(
            visible,
            witness !== false,
            `visible=${visible} but ${witness === false ? 'every candidate call is denied' : `not denied with arguments ${JSON.stringify(witness)}`}\npolicies:\n${policies.text}\nrequest: ${describeRequest(request)}`,
          );
        }
      },
    );

  it('visible ⇔ some call not denied, for policies on everything but the arguments (tools, prompts, resources)', () => {
    fc.assert(listProperty(policySetOf(false), true), params(60));
  });

  it('visible ⇔ some call not denied, with argument conditions (tools, prompts, resources)', () => {
    fc.assert(listProperty(policySet, true), params(80));
  });

  // A prompt's arguments are strings (MCP), declared or not: the service types them `{declared: 'string', '*':
  // 'string'}` and refuses a non-string value, so list filtering must not list a prompt on a numeric witness.
  it('prompts: an argument the prompt does not declare is tried as a string only', () => {
    const engine = engineFor({
      text: `@id("big") permit (principal, action == Action::"get", resource)
  when { context.arguments has amount && context.arguments.amount > 100 };`,
    });
    const request: PolicyRequest = {
      principal: principalEntity(undefined),
      action: 'get',
      resource: promptEntity('fs', 'fs__summarize', { name: 'summarize' }),
      related: [serverEntity('fs', [])],
      context: {},
      argumentTypes: { topic: 'string', '*': 'string' },
    };
    for (const amount of ['101', '5', undefined]) {
      const args: Record<string, CedarValue> = amount === undefined ? {} : { amount };
      assert.equal(engine.decide({ ...request, arguments: args }).effect, 'deny');
    }
    assert.equal(engine.visible(request), false);
  });
});
