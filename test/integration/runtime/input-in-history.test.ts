/**
 * A workflow's input is written once: the instance record holds it until the first step writes
 * history, whose ExecutionStarted holds it from then on, so the record each later step rewrites
 * stays small however large the input. Clients still get the input from every state query.
 */
import test from 'ava';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import {
  WorkflowRuntimeStatus,
  type WorkflowActivityContext,
  type WorkflowContext,
} from '../../../src/index.js';
import { useEtcd } from '../../helpers/etcd.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';

const etcd = await useEtcd(test);

/** An order with 20 KiB of lines: more than a history chunk, so its ExecutionStarted has one of its own. */
const order = { id: 'o-1', lines: 'x'.repeat(20 * 1024) };

async function reserve(_ctx: WorkflowActivityContext, n: number): Promise<number> {
  return n + 1;
}

async function storedRecord(kv: EtcdKv, appId: string, id: string): Promise<Record<string, unknown>> {
  const entry = await kv.get(`/tickflow/default/${appId}/wf/instances/${id}`);
  if (!entry) throw new Error(`no record for ${id}`);
  return JSON.parse(entry.value) as Record<string, unknown>;
}

test('a large input stays out of the record every step rewrites; state queries still return it', async (t) => {
  async function* fulfil(ctx: WorkflowContext, input: typeof order) {
    let n = 0;
    yield ctx.waitForExternalEvent('paid');
    for (let i = 0; i < 5; i++) n = yield* ctx.callActivity<number>(reserve, n);
    return { order: input.id, n };
  }
  const { client, appId } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(fulfil).registerActivity(reserve),
  );
  const kv = await etcd.connect();
  const id = await client.scheduleNewWorkflow(fulfil, order);
  // Before its first step the record is all there is: it holds the input.
  const pending = await storedRecord(kv, appId, id);
  if (pending['status'] === WorkflowRuntimeStatus.PENDING) t.deepEqual(pending['input'], order);

  const started = await client.waitForWorkflowStart(id, true, 30);
  t.is(started.serializedInput, JSON.stringify(order));
  const waiting = await storedRecord(kv, appId, id);
  t.false('input' in waiting, 'the first step moved the input to history');
  t.true(JSON.stringify(waiting).length < 1024, `record is ${JSON.stringify(waiting).length} bytes`);
  t.is((await client.getWorkflowState(id))?.serializedInput, JSON.stringify(order));
  t.is((await client.getWorkflowState(id, false))?.serializedInput, undefined);

  await client.raiseEvent(id, 'paid');
  const done = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  t.is(done.serializedInput, JSON.stringify(order));
  t.deepEqual(JSON.parse(done.serializedOutput ?? 'null'), { order: 'o-1', n: 5 });
  t.false('input' in (await storedRecord(kv, appId, id)));
  // History has the input once: in the ExecutionStarted.
  const history = await client.getWorkflowHistory(id);
  const opening = history.find((e) => e.type === 'ExecutionStarted');
  t.deepEqual(opening?.type === 'ExecutionStarted' ? opening.input : undefined, order);
});

test('continue-as-new: state queries return the input of the last generation', async (t) => {
  async function* rounds(ctx: WorkflowContext, input: { round: number; pad: string }) {
    const n = yield* ctx.callActivity<number>(reserve, input.round);
    if (input.round < 2) {
      ctx.continueAsNew({ round: n, pad: input.pad });
      return;
    }
    return input.round;
  }
  const { client, appId } = await startRuntime(t, etcd, (rt) =>
    rt.registerWorkflow(rounds).registerActivity(reserve),
  );
  const kv = await etcd.connect();
  const pad = 'p'.repeat(6 * 1024);
  const id = await client.scheduleNewWorkflow(rounds, { round: 0, pad });
  const done = await client.waitForWorkflowCompletion(id, true, 30);
  t.is(done.serializedOutput, '2');
  t.deepEqual(JSON.parse(done.serializedInput ?? 'null'), { round: 2, pad });
  t.deepEqual(JSON.parse((await client.getWorkflowState(id))?.serializedInput ?? 'null'), { round: 2, pad });
  const record = await storedRecord(kv, appId, id);
  t.is(record['generation'], 2);
  t.false('input' in record);
});
