/**
 * The client checks every payload it stores against its `maxPayloadBytes` before anything is
 * written (issue 13): workflow input and name, event data, termination output, suspend and resume
 * reasons. Each refusal names the field, the size and the limit.
 */
import test from 'ava';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { PayloadTooLargeError, WorkflowClient, WorkflowRuntimeStatus } from '../../../src/index.js';

const LIMIT = 100;
const over = 'x'.repeat(LIMIT); // 102 bytes as JSON

function client(kv = new MemoryKv()): WorkflowClient {
  return new WorkflowClient({
    kv,
    appId: 'client-limits',
    partitions: 1,
    maxPayloadBytes: LIMIT,
  });
}

test('a start with an input or name over maxPayloadBytes stores nothing', async (t) => {
  const c = client();
  const input = await t.throwsAsync(c.scheduleNewWorkflow('wf', over, 'a'), {
    instanceOf: PayloadTooLargeError,
  });
  t.is(input?.field, 'input');
  t.is(input?.bytes, 102);
  t.is(input?.limit, LIMIT);
  const name = await t.throwsAsync(c.scheduleNewWorkflow(over, undefined, 'b'), {
    instanceOf: PayloadTooLargeError,
  });
  t.is(name?.field, 'workflow');
  t.deepEqual((await c.listWorkflows()).instances, []);
  // At the limit it is accepted.
  await c.scheduleNewWorkflow('wf', 'y'.repeat(LIMIT - 2), 'c');
  t.is((await c.getWorkflowState('c'))?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
});

test('event data, termination output and suspend/resume reasons over the limit are refused; nothing is stored', async (t) => {
  const kv = new MemoryKv();
  const c = client(kv);
  const id = await c.scheduleNewWorkflow('wf', undefined, 'target');
  const inbox = '/tickflow/default/client-limits/wf/inbox/target/';
  const data = await t.throwsAsync(c.raiseEvent(id, 'e', { blob: over }), {
    instanceOf: PayloadTooLargeError,
  });
  t.is(data?.field, 'data');
  const output = await t.throwsAsync(c.terminateWorkflow(id, over), { instanceOf: PayloadTooLargeError });
  t.is(output?.field, 'output');
  for (const call of [() => c.suspendWorkflow(id, over), () => c.resumeWorkflow(id, over)]) {
    const reason = await t.throwsAsync(call(), { instanceOf: PayloadTooLargeError });
    t.is(reason?.field, 'reason');
  }
  // Still PENDING and untouched: the refused terminate did not end it.
  t.is((await c.getWorkflowState(id))?.runtimeStatus, WorkflowRuntimeStatus.PENDING);
  t.deepEqual(await c.getWorkflowHistory(id), []);
  t.deepEqual((await kv.range(inbox)).entries, []);
});
