/**
 * Activities a killed replica was running in-process are run at once by the replicas left, not
 * when their fallback reminders come due. The fallback here is 10 minutes (beyond the timer
 * horizon of 60 s, where other jobs are kept dormant) and the test waits at most 20 s after the
 * kill, so an instance can only complete through that recovery. A replica that merely hands partitions
 * over (a new one joined) keeps running its activities: they must not run a second time.
 */
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { nanoid } from 'nanoid';
import { WorkflowClient, WorkflowRuntimeStatus } from '../../src/index.js';
import { ReplicaSet, type Replica } from '../helpers/cluster-fixture.js';
import { useEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/etcd-wait.js';
import { heldFlow, runsOf } from './held-activity-workflows.js';

const PARTITIONS = 4;
const TTL = 2;
const FALLBACK_S = 600;
const WORKFLOWS = fileURLToPath(new URL('./held-activity-workflows.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tickflow-held-'));
// The replicas inherit it: their activities leave their marks there.
process.env['HELD_ACTIVITY_DIR'] = dir;
const etcd = await useEtcd(test);
test.after.always(() => rm(dir, { recursive: true, force: true }));

function startReplicas(appId: string, replicas: ReplicaSet, names: string[]): Replica[] {
  return names.map((memberId) =>
    replicas.start({
      hosts: etcd.hosts,
      appId,
      mode: 'runtime',
      memberId,
      partitions: PARTITIONS,
      leaseTtlSeconds: TTL,
      workflowsModule: WORKFLOWS,
      runtimeOptions: { activityFallbackSeconds: FALLBACK_S },
    }),
  );
}

/**
 * Starts replicas `names` of a fresh app, then 8 instances (enough that each replica holds some of
 * the activities), and waits until every activity started once.
 */
async function startHeld(
  t: ExecutionContext,
  app: string,
  names: string[],
): Promise<{ appId: string; replicas: ReplicaSet; client: WorkflowClient; ids: string[] }> {
  const appId = `${app}-${nanoid(6)}`;
  const replicas = new ReplicaSet();
  t.teardown(() => replicas.killAll());
  startReplicas(appId, replicas, names);
  await replicas.settled(PARTITIONS);
  const client = new WorkflowClient({ etcd: { hosts: etcd.hosts }, appId, partitions: PARTITIONS });
  t.teardown(() => client.close());
  const ids = await Promise.all(Array.from({ length: 8 }, () => client.scheduleNewWorkflow(heldFlow)));
  await waitFor(() => ids.every((id) => runsOf(dir, id).length === 1), {
    what: 'every activity started once',
    timeoutMs: 30_000,
  });
  return { appId, replicas, client, ids };
}

const ascending = (pids: Array<number | undefined>): Array<number | undefined> =>
  [...pids].sort((a, b) => (a ?? 0) - (b ?? 0));

test('kill -9 mid-activity: a survivor runs it at once, not when the fallback comes due', async (t) => {
  const { replicas, client, ids } = await startHeld(t, 'orphans', ['a', 'b']);
  const victim = replicas.all.find((r) => ids.some((id) => runsOf(dir, id)[0] === r.pid));
  if (!victim) return t.fail('no replica runs an activity');
  const survivor = replicas.all.find((r) => r !== victim);
  const orphaned = ids.filter((id) => runsOf(dir, id)[0] === victim.pid);
  const kept = ids.filter((id) => !orphaned.includes(id));
  await victim.kill();

  // The victim's activities were never released: only a second run can complete them.
  const states = await Promise.all(orphaned.map((id) => client.waitForWorkflowCompletion(id, true, 20)));
  for (const state of states) {
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
    t.is(state.serializedOutput, String(survivor?.pid), 'run again on the survivor');
  }
  t.true((survivor?.of('recovered') ?? []).length > 0, 'the survivor says it recovered them');
  for (const id of orphaned) t.deepEqual(runsOf(dir, id), ascending([victim.pid, survivor?.pid]), id);
  // The survivor's own activities are its to finish: still held, never started twice.
  for (const id of kept) t.deepEqual(runsOf(dir, id), [survivor?.pid], id);
  await Promise.all(kept.map((id) => writeFile(join(dir, `${id}.release`), '')));
  for (const id of kept) {
    const state = await client.waitForWorkflowCompletion(id, true, 60);
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
  }
});

test('a replica joining takes partitions over; the activities still running elsewhere run once', async (t) => {
  const { appId, replicas, client, ids } = await startHeld(t, 'handover', ['a']);
  const [first] = replicas.all;
  // Half the partitions, with the reminders of those held activities, move to the newcomer.
  const [second] = startReplicas(appId, replicas, ['b']);
  await replicas.settled(PARTITIONS);
  t.true((second?.owned.length ?? 0) > 0);
  await Promise.all(ids.map((id) => writeFile(join(dir, `${id}.release`), '')));
  for (const id of ids) {
    const state = await client.waitForWorkflowCompletion(id, true, 60);
    t.is(state.runtimeStatus, WorkflowRuntimeStatus.COMPLETED);
    t.deepEqual(runsOf(dir, id), [first?.pid], `${id} ran once, where it started`);
  }
  t.deepEqual(second?.of('recovered'), [], 'nothing was taken for orphaned');
});
