/**
 * Hostile stored state (issue 7): a workflow whose history in the store is corrupt or truncated
 * must end FAILED with a reason naming the damaged key, and the runtime must go on serving other
 * instances. Runs on the in-memory store: what matters is the runtime's reaction, not etcd.
 */
import test from 'ava';
import { waitFor } from '../helpers/etcd-wait.js';
import { instanceKeys } from '../../src/runtime/instances/instance-keys.js';
import {
  MemoryKv,
  WorkflowClient,
  WorkflowRuntime,
  WorkflowRuntimeStatus,
  type WorkflowContext,
} from '../../src/index.js';

const APP = 'corrupt';

async function* waitsForApproval(ctx: WorkflowContext, order: number) {
  const approval: unknown = yield ctx.waitForExternalEvent('approval');
  return { order, approval };
}

const kv = new MemoryKv();
// No executor cache: every step reads the stored history, as after a restart or a failover.
const runtime = new WorkflowRuntime({ kv, appId: APP, partitions: 2, leaseTtlSeconds: 2, cacheSize: 0 });
runtime.registerWorkflow(waitsForApproval);
const client = new WorkflowClient({ kv, appId: APP, partitions: 2 });
await runtime.start();
test.after.always(async () => {
  await runtime.stop();
  await client.close();
});
const keys = instanceKeys('default', APP);

/** Damage done to the first history chunk: each must be refused, none may crash the runtime. */
const corruptions: Record<string, (text: string) => string> = {
  truncated: (text) => text.slice(0, Math.floor(text.length / 2)),
  garbage: () => '\u0000\u00ff not json at all {',
  'wrong shape': (text) => text.replace(/"type":"ExecutionStarted"/, '"type":"ExecutionExploded"'),
  'bad date': (text) => text.replace(/"\$date":"[^"]+"/, '"$date":"yesterday"'),
};

for (const [label, corrupt] of Object.entries(corruptions)) {
  test(`history ${label}: the instance fails with a reason naming the key; others still run`, async (t) => {
    const id = `c-${label.replace(/\s/g, '-')}`;
    await client.scheduleNewWorkflow(waitsForApproval, 1, id);
    await client.waitForWorkflowStart(id, false, 20);
    // Wait until the first step is committed, so there is a history to damage.
    const history = async (): Promise<string> => (await kv.get(keys.historyChunk(id, 0)))?.value ?? '';
    await waitFor(async () => (await history()).includes('ExecutionStarted'), { what: `history of ${id}` });
    const original = await history();
    t.true(original.includes('ExecutionStarted'), 'the instance has a stored history');
    const damaged = corrupt(original);
    t.not(damaged, original);
    await kv.txn([], [{ op: 'put', key: keys.historyChunk(id, 0), value: damaged }]);

    await client.raiseEvent(id, 'approval', 'yes');
    const state = await client.waitForWorkflowCompletion(id, true, 20);
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.FAILED);
    t.regex(state.workflowFailureDetails?.message ?? '', new RegExp(`history of ${id} is corrupt`));
    t.true((state.workflowFailureDetails?.message ?? '').includes(keys.historyChunk(id, 0)));

    // The runtime keeps serving: a healthy instance completes.
    const healthy = `${id}-ok`;
    await client.scheduleNewWorkflow(waitsForApproval, 2, healthy);
    await client.waitForWorkflowStart(healthy, false, 20);
    await client.raiseEvent(healthy, 'approval', 'ok');
    const done = await client.waitForWorkflowCompletion(healthy, true, 20);
    t.is(done.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
    t.is(done.serializedOutput, JSON.stringify({ order: 2, approval: 'ok' }));
  });
}
