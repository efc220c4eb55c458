// The argument-validation guard checks `tools/call` arguments against the routed tool's inputSchema: a mismatch
// is refused with RAMPART_ARGUMENT_INVALID (JSON-RPC -32602) naming the pointer, a broken schema with
// RAMPART_TOOL_SCHEMA_INVALID, and nothing is forwarded in either case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validationSchema } from '../../src/config/validation-schema.ts';
import type { CallTarget, DownstreamCall } from '../../src/core/call.ts';
import type { JsonObject } from '../../src/core/jsonrpc.ts';
import { JSONRPC, RampartError } from '../../src/errors.ts';
import { argumentValidationGuard } from '../../src/guards/argument-validation.ts';
import { Pipeline, type RequestEvent } from '../../src/guards/pipeline.ts';
import { downstreamCall } from '../helpers/downstream-call.ts';

const schema = {
  type: 'object',
  properties: { amount: { type: 'number', minimum: 0 }, memo: { type: 'string' } },
  additionalProperties: false,
};

function tool(inputSchema: unknown): CallTarget {
  const item = { name: 'pay', ...(inputSchema === undefined ? {} : { inputSchema }) } as JsonObject;
  return { kind: 'tool', server: 'bank', exposedName: 'bank__pay', item };
}

function call(
  params: JsonObject | undefined,
  target: CallTarget | undefined,
  method = 'tools/call',
): DownstreamCall {
  return downstreamCall(params, { method, trace: { server: 'bank', target } });
}

function setup(config: Record<string, unknown> = {}) {
  const events: RequestEvent[] = [];
  const forwarded: (JsonObject | undefined)[] = [];
  const pipeline = new Pipeline([argumentValidationGuard(validationSchema.parse(config))], {
    record: (e) => void events.push(e),
  });
  const run = (c: DownstreamCall) =>
    pipeline
      .run(c, async () => async (params) => {
        forwarded.push(params);
        return { content: [] };
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
  return { events, forwarded, run };
}

function rampartError(err: unknown): RampartError {
  assert.ok(err instanceof RampartError, 'a RampartError');
  return err;
}

describe('argumentValidationGuard', () => {
  it('forwards a call whose arguments match', async () => {
    const { run, forwarded, events } = setup();
    assert.equal(await run(call({ name: 'bank__pay', arguments: { amount: 3 } }, tool(schema))), undefined);
    assert.equal(forwarded.length, 1);
    assert.equal(events[0]?.decision, 'allowed');
  });

  it('treats absent arguments as {}', async () => {
    const { run } = setup();
    assert.equal(await run(call({ name: 'bank__pay' }, tool(schema))), undefined);
    const required = { ...schema, required: ['amount'] };
    const err = rampartError(await run(call({ name: 'bank__pay' }, tool(required))));
    assert.equal(err.code, 'RAMPART_ARGUMENT_INVALID');
    assert.equal(err.data?.['path'], '/amount');
  });

  it('refuses mismatching arguments with -32602, naming the pointer and keyword', async () => {
    const { run, forwarded, events } = setup();
    const err = rampartError(await run(call({ name: 'bank__pay', arguments: { amount: -5 } }, tool(schema))));
    assert.equal(err.code, 'RAMPART_ARGUMENT_INVALID');
    assert.equal(err.rpc, JSONRPC.INVALID_PARAMS);
    const wire = err.toJsonRpc();
    assert.equal(wire.data['path'], '/amount');
    assert.equal(wire.data['keyword'], 'minimum');
    assert.equal(wire.data['tool'], 'bank__pay');
    assert.equal(wire.data['ruleId'], 'argument-validation:schema-mismatch');
    assert.match(wire.message, /\/amount/);
    assert.equal(forwarded.length, 0);
    assert.equal(events[0]?.decision, 'denied');
    assert.equal(events[0]?.code, 'RAMPART_ARGUMENT_INVALID');
  });

  it('validates draft-07 tool schemas', async () => {
    const { run } = setup();
    const draft7 = { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
    const err = rampartError(
      await run(call({ name: 'bank__pay', arguments: { amount: 'x' } }, tool(draft7))),
    );
    assert.deepEqual([err.data?.['path'], err.data?.['keyword']], ['/amount', 'type']);
  });

  it('refuses arguments over the configured limits', async () => {
    const { run, forwarded } = setup({ maxStringLength: 16 });
    const memo = 'm'.repeat(17);
    const err = rampartError(await run(call({ name: 'bank__pay', arguments: { memo } }, tool(schema))));
    assert.equal(err.code, 'RAMPART_ARGUMENT_LIMIT');
    assert.equal(err.rpc, JSONRPC.INVALID_PARAMS);
    assert.deepEqual([err.data?.['path'], err.data?.['limit']], ['/memo', 'maxStringLength']);
    assert.ok(!err.message.includes(memo));
    assert.equal(forwarded.length, 0);
  });

  it('refuses calls to a tool whose schema does not compile, as a server problem', async () => {
    const { run, forwarded } = setup();
    for (const broken of [{ type: 'no-such-type' }, undefined, 'not a schema']) {
      const err = rampartError(await run(call({ name: 'bank__pay', arguments: {} }, tool(broken))));
      assert.equal(err.code, 'RAMPART_TOOL_SCHEMA_INVALID');
      assert.ok(err.rpc <= -32000 && err.rpc >= -32099);
      assert.equal(err.data?.['ruleId'], 'argument-validation:schema');
    }
    assert.equal(forwarded.length, 0);
  });

  it('ignores other methods and does nothing when disabled', async () => {
    const prompt = setup();
    const target: CallTarget = {
      kind: 'prompt',
      server: 'bank',
      exposedName: 'bank__p',
      item: { name: 'p' },
    };
    assert.equal(
      await prompt.run(call({ name: 'bank__p', arguments: { x: 1 } }, target, 'prompts/get')),
      undefined,
    );
    const off = setup({ enabled: false });
    assert.equal(
      await off.run(call({ name: 'bank__pay', arguments: { amount: -1 } }, tool(schema))),
      undefined,
    );
    assert.equal(off.forwarded.length, 1);
  });

  it('fails closed on a tool call without its definition', async () => {
    const { run, forwarded } = setup();
    const err = rampartError(await run(call({ name: 'bank__pay', arguments: {} }, undefined)));
    assert.equal(err.code, 'RAMPART_INTERNAL');
    assert.equal(forwarded.length, 0);
  });
});

describe('validationSchema', () => {
  it('has sane defaults and refuses non-positive limits', () => {
    const config = validationSchema.parse({});
    assert.equal(config.enabled, true);
    assert.ok(
      config.maxBytes > 0 && config.maxDepth > 0 && config.maxStringLength > 0 && config.maxArrayLength > 0,
    );
    assert.equal(validationSchema.safeParse({ maxDepth: 0 }).success, false);
    assert.equal(validationSchema.safeParse({ unknown: 1 }).success, false);
  });
});
