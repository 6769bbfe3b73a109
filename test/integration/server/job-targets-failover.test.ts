// Issue 18, Tests: a recurring start-workflow job keeps its ticks across a replica kill -9, and a
// delayed raise and a scheduled invocation due in the takeover window are not lost.
// Two `tickflow serve` replicas share one external etcd (same namespace and app id); the replica
// firing the job's ticks is SIGKILLed after its first tick, and the survivor, once the lease of
// the dead replica's partitions runs out (~10 s, serve has no flag for it), fires the rest: every
// tick starts its instance `{job}@{tick ISO}`, none before its tick, none twice.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { PubSubInvokeApp } from './pubsub-invoke-app.js';

// The app an invoke job calls: registered on both replicas with --app. Its hook is declared
// together with useEtcd's (ava takes no declaration after the run has begun).
const billingReady = PubSubInvokeApp.start(undefined, () => ({ status: 200 }));
const etcd = await useEtcd(test);
test.after.always(async () => (await billingReady).close());

const WF = '/v1.0-beta1/workflows/dapr';
const JOBS = '/v1.0-alpha1/jobs';
const JOB = 'failover-start';
const EVERY_MS = 1_000;
const REPEATS = 12;
const RAISED = 'failover-approval';

interface WorkflowJson {
  instanceID: string;
  workflowName: string;
  createdAt: string;
  lastUpdatedAt: string;
  runtimeStatus: string;
}

const replicas: ServerProcess[] = [];
test.after.always(async () => {
  await Promise.allSettled(replicas.map((r) => r.stop(5_000)));
});

async function startReplica(billing: PubSubInvokeApp): Promise<ServerProcess> {
  const replica = await startServerProcess({
    workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
    args: [
      '--etcd',
      etcd.hosts.join(','),
      '--namespace',
      'failover',
      '--app-id',
      'failover',
      '--no-grpc',
      '--app',
      `billing=${billing.url}`,
    ],
  });
  replicas.push(replica);
  return replica;
}

async function owned(replica: ServerProcess): Promise<number[]> {
  const res = await replica.request('GET', '/v1.0/metadata');
  return (res.json as { replica?: { ownedPartitions?: number[] } }).replica?.ownedPartitions ?? [];
}

/** Sum of this replica's tickflow_jobs_triggered_total samples whose labels contain `label`. */
async function triggered(replica: ServerProcess, label: string): Promise<number> {
  const res = await replica.request('GET', '/metrics');
  let sum = 0;
  for (const line of res.text.split('\n')) {
    if (line.startsWith('tickflow_jobs_triggered_total{') && line.includes(label)) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

async function instance(replica: ServerProcess, id: string): Promise<WorkflowJson | undefined> {
  const res = await replica.request('GET', `${WF}/${encodeURIComponent(id)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${res.text}`);
  return res.json as WorkflowJson;
}

const iso = (ms: number): string => new Date(ms).toISOString();

test('a recurring workflow start loses no tick, fires none early and none twice across a replica kill -9; a delayed raise and an invocation are not lost', async (t) => {
  t.timeout(60_000);
  // Awaited here, not at the top: ava takes no declaration after an await of I/O.
  const billing = await billingReady;
  const [a, b] = await Promise.all([startReplica(billing), startReplica(billing)]);
  // Both hold partitions, and between them all of them once: the owners are settled.
  await waitFor(
    async () => {
      const [ofA, ofB] = await Promise.all([owned(a!), owned(b!)]);
      return ofA.length > 0 && ofB.length > 0 && ofA.every((p) => !ofB.includes(p));
    },
    { what: 'two replicas splitting the partitions', timeoutMs: 20_000, intervalMs: 100 },
  );

  const anchor = Date.now() + 1_000;
  const res = await a!.request('POST', `${JOBS}/${JOB}`, {
    body: {
      schedule: '@every 1s',
      dueTime: iso(anchor),
      repeats: REPEATS,
      target: { workflow: { name: 'echo', input: 'tick' } },
    },
  });
  t.is(res.status, 204, res.text);
  // A delayed raise, due during the takeover window: it must reach its waiting instance too.
  const waiting = await a!.request('POST', `${WF}/approval/start?instanceID=${RAISED}`, {
    body: { item: 'lamp' },
  });
  t.is(waiting.status, 202, waiting.text);
  const raiseDue = anchor + 5 * EVERY_MS;
  const raise = await a!.request('POST', `${JOBS}/failover-raise`, {
    body: {
      dueTime: iso(raiseDue),
      target: { raiseEvent: { instanceId: RAISED, name: 'approve', data: { by: 'raise-job' } } },
    },
  });
  t.is(raise.status, 204, raise.text);
  // And a scheduled invocation of another app, due in the same window.
  const invokeDue = anchor + 6 * EVERY_MS;
  const invoke = await a!.request('POST', `${JOBS}/failover-invoke`, {
    body: {
      dueTime: iso(invokeDue),
      target: { invoke: { appId: 'billing', method: 'close', data: { month: 11 } } },
    },
  });
  t.is(invoke.status, 204, invoke.text);
  const ticks = Array.from({ length: REPEATS }, (_, k) => anchor + k * EVERY_MS);
  const expected = ticks.map((tick) => `${JOB}@${iso(tick)}`);

  // The replica whose timers fired the first tick owns the job's partition: kill it.
  let firing: ServerProcess | undefined;
  await waitFor(
    async () => {
      for (const replica of [a!, b!]) if ((await triggered(replica, 'workflow')) > 0) firing = replica;
      return firing !== undefined;
    },
    { what: 'the first tick to fire', timeoutMs: 10_000, intervalMs: 20 },
  );
  const survivor = firing === a ? b! : a!;
  t.log(`killing the ${firing === a ? 'scheduling' : 'other'} replica, which fired the first tick`);
  process.kill(firing!.pid, 'SIGKILL');
  t.like(await firing!.exited, { signal: 'SIGKILL' });
  const killedAt = Date.now();
  // Ticks were still to come: the survivor has to take them over.
  t.true(killedAt < ticks.at(-1)!, 'killed before the last tick');

  // The survivor fires the remaining ticks (late ones at takeover) and ends the job.
  await waitFor(async () => (await survivor.request('GET', `${JOBS}/${JOB}`)).status === 404, {
    what: `the job to end after ${REPEATS} ticks on the surviving replica`,
    timeoutMs: 40_000,
    intervalMs: 100,
  });
  let latest = 0;
  for (const [k, id] of expected.entries()) {
    let found: WorkflowJson | undefined;
    await waitFor(async () => (found = await instance(survivor, id))?.runtimeStatus === 'COMPLETED', {
      what: `${id} to complete`,
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    t.is(found!.workflowName, 'echo');
    t.true(Date.parse(found!.createdAt) >= ticks[k]!, `${id} created ${found!.createdAt}, before its tick`);
    latest = Math.max(latest, Date.parse(found!.createdAt) - ticks[k]!);
  }
  // Ticks due while the dead replica's lease ran on were fired late, by the survivor's takeover.
  t.log(`latest instance: ${latest} ms after its tick`);
  t.true(latest > 3_000, `the latest instance was only ${latest} ms after its tick`);
  // The raise reached its instance, not before it was due.
  let raised: WorkflowJson | undefined;
  await waitFor(async () => (raised = await instance(survivor, RAISED))?.runtimeStatus === 'COMPLETED', {
    what: `${RAISED} to complete after the delayed raise`,
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  t.true(Date.parse(raised!.lastUpdatedAt) >= raiseDue, `${RAISED} completed before the raise was due`);
  // The invocation reached the other app, not before it was due (at least once; redelivery allowed).
  const called = await billing.next((r) => r.path === '/close');
  t.true(called.at >= invokeDue, `the app was called ${invokeDue - called.at} ms before the job was due`);
  // No instance twice, none extra: the listing has exactly one instance per tick.
  const list = await survivor.request('GET', `${WF}?name=echo&pageSize=1000`);
  t.is(list.status, 200, list.text);
  const ids = (list.json as { instances: Array<{ instanceID: string }> }).instances.map((i) => i.instanceID);
  t.deepEqual(ids.filter((id) => id.startsWith(`${JOB}@`)).sort(), [...expected].sort());
  t.is(ids.length, REPEATS, `instances listed: ${ids.join(', ')}`);
});
