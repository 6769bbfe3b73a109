/**
 * `force` ends an instance whatever its stored state (issue 13): one whose history cannot be read
 * is terminated (its children cannot be known, so none are looked for), and one whose very record
 * cannot be read is purged. Client only, on the in-memory store: no runtime is needed to end one.
 */
import test from 'ava';
import { instanceKeys } from '../../../src/runtime/instances/instance-keys.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { WorkflowClient, WorkflowRuntimeStatus } from '../../../src/index.js';

const APP = 'force-end';
const keys = instanceKeys('default', APP);

function setup(): { kv: MemoryKv; client: WorkflowClient } {
  const kv = new MemoryKv();
  return { kv, client: new WorkflowClient({ kv, appId: APP, partitions: 1 }) };
}

test('a RUNNING instance whose history is unreadable: terminate with force ends it, purge removes it', async (t) => {
  const { kv, client } = setup();
  const id = await client.scheduleNewWorkflow('wf', { n: 1 }, 'broken-history');
  // As if a step had run and its history chunk was damaged since.
  const record = JSON.parse((await kv.get(keys.record(id)))?.value ?? '{}') as Record<string, unknown>;
  await kv.txn(
    [],
    [
      {
        op: 'put',
        key: keys.record(id),
        value: JSON.stringify({ ...record, status: 'RUNNING', chunks: 1, tailEvents: 2, events: 2 }),
      },
      { op: 'put', key: keys.historyChunk(id, 0), value: 'not json at all {' },
    ],
  );
  // Without force the terminate needs the history (to find children) and says why it cannot.
  await t.throwsAsync(client.terminateWorkflow(id), { name: 'CorruptHistoryError' });

  await client.terminateWorkflow(id, 'operator', { force: true });
  const state = await client.getWorkflowState(id);
  t.is(state?.runtimeStatus, WorkflowRuntimeStatus.TERMINATED);
  t.is(state?.serializedOutput, '"operator"');
  t.true(await client.purgeWorkflow(id, { force: true }));
  t.is(await client.getWorkflowState(id), undefined);
  t.deepEqual((await kv.range(keys.historyPrefix(id))).entries, []);
});

test('an instance whose record is unreadable: purge with force deletes everything stored for it', async (t) => {
  const { kv, client } = setup();
  const id = await client.scheduleNewWorkflow('wf', undefined, 'broken-record');
  await client.raiseEvent(id, 'e', 1);
  await kv.txn([], [{ op: 'put', key: keys.record(id), value: '{ garbage' }]);
  await t.throwsAsync(client.purgeWorkflow(id), { name: 'CorruptHistoryError' });
  t.true(await client.purgeWorkflow(id, { force: true }));
  t.is(await kv.get(keys.record(id)), undefined);
  t.deepEqual((await kv.range(keys.inboxPrefix(id))).entries, []);
  // The id is free again.
  await client.scheduleNewWorkflow('wf', undefined, id);
  t.is((await client.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
});
