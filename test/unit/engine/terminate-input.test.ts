/**
 * A terminated instance's state still has its input, wherever it was when the termination was
 * written: in the record (never stepped), in the history a step wrote, or in the record of a
 * generation continue-as-new opened but no step took in. Client only, on the in-memory store.
 */
import test from 'ava';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { serializeEvent, serializeHistory } from '../../../src/history/serialize.js';
import { WorkflowClient, WorkflowRuntimeStatus } from '../../../src/index.js';
import { instanceKeys } from '../../../src/runtime/instances/instance-keys.js';
import { at, ev } from '../../helpers/history-builder.js';

const APP = 'terminate-input';
const keys = instanceKeys('default', APP);

function setup(): { kv: MemoryKv; client: WorkflowClient } {
  const kv = new MemoryKv();
  return { kv, client: new WorkflowClient({ kv, appId: APP, partitions: 1 }) };
}

async function stored(kv: MemoryKv, id: string): Promise<Record<string, unknown>> {
  return JSON.parse((await kv.get(keys.record(id)))?.value ?? '{}') as Record<string, unknown>;
}

test('PENDING: the termination writes the opening with the input to history; the record drops it', async (t) => {
  const { kv, client } = setup();
  const id = await client.scheduleNewWorkflow('order', { sku: 'a' }, 'o-1');
  await client.terminateWorkflow(id, 'cancelled');
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedInput, '{"sku":"a"}');
  t.false('input' in (await stored(kv, id)));
});

test('stepped: the input stays where the first step put it, in history', async (t) => {
  const { kv, client } = setup();
  const id = await client.scheduleNewWorkflow('order', { sku: 'b' }, 'o-2');
  const record = await stored(kv, id);
  delete record['input'];
  await kv.txn(
    [],
    [
      {
        op: 'put',
        key: keys.record(id),
        value: JSON.stringify({ ...record, status: 'RUNNING', chunks: 1, tailEvents: 2, events: 2 }),
      },
      {
        op: 'put',
        key: keys.historyChunk(id, 0),
        value: serializeHistory([
          ev.orchestratorStarted(at()),
          ev.executionStarted({ name: 'order', instanceId: id, input: { sku: 'b' } }),
        ]),
      },
    ],
  );
  // With force the client writes the termination itself (a running instance's steps keep failing).
  await client.terminateWorkflow(id, undefined, { force: true });
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedInput, '{"sku":"b"}');
});

test('a generation opened by continue-as-new and never stepped keeps its input in the record', async (t) => {
  const { kv, client } = setup();
  const id = await client.scheduleNewWorkflow('order', { round: 0 }, 'o-3');
  const record = await stored(kv, id);
  // As continue-as-new leaves it: generation 1 RUNNING with no history yet, its opening in the inbox.
  const opening = ev.executionStarted({ name: 'order', instanceId: id, generation: 1, input: { round: 1 } });
  await kv.txn(
    [],
    [
      {
        op: 'put',
        key: keys.record(id),
        value: JSON.stringify({ ...record, status: 'RUNNING', generation: 1, input: { round: 1 } }),
      },
      { op: 'put', key: keys.inboxMessage(id, 'can~1~000000'), value: serializeEvent(opening) },
    ],
  );
  await client.terminateWorkflow(id, undefined, { force: true });
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedInput, '{"round":1}');
});
