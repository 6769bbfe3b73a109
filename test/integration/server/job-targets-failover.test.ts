// Issue 18, Tests: a recurring start-workflow job keeps its ticks across a replica kill -9, and a
// delayed raise, a scheduled invocation, a delayed publish and an actor reminder due in the
// takeover window are not lost (the last two are placed on partitions of the replica killed).
// Two `tickflow serve` replicas share one external etcd (same namespace and app id); the replica
// firing the job's ticks is SIGKILLed after its first tick, and the survivor, once the lease of
// the dead replica's partitions runs out (~10 s, serve has no flag for it), fires the rest: every
// tick starts its instance `{job}@{tick ISO}`, none before its tick, none twice.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { partitionOf } from '../../../src/cluster/partition.js';
import { reminderJobName } from '../../../src/server/actors/actor-reminder-names.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { PubSubInvokeApp } from './pubsub-invoke-app.js';

const ACTOR_TYPE = 'Cart';
const TOPIC = 'late-orders';

// The app an invoke job calls: registered on both replicas with --app. The replicas' own app
// (--app-url) subscribes to a topic and hosts an actor type. Their hooks are declared together
// with useEtcd's (ava takes no declaration after the run has begun).
const billingReady = PubSubInvokeApp.start(undefined, () => ({ status: 200 }));
const ownAppReady = PubSubInvokeApp.start(
  [{ pubsubname: 'events', topic: TOPIC, route: `/${TOPIC}` }],
  (r) => (r.path === '/dapr/config' ? { status: 200, body: { entities: [ACTOR_TYPE] } } : { status: 200 }),
);
const redisReady = startRedis();
const etcd = await useEtcd(test);
test.after.always(async () => {
  await Promise.allSettled([billingReady, ownAppReady].map(async (app) => (await app).close()));
  await (await redisReady).stop();
});

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

async function startReplica(
  billing: PubSubInvokeApp,
  ownApp: PubSubInvokeApp,
  redis: TestRedis,
): Promise<ServerProcess> {
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
      '--app-url',
      ownApp.url,
      '--pubsub',
      `events=${redis.url}?redeliverInterval=1s`,
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

test('a recurring workflow start loses no tick, fires none early and none twice across a replica kill -9; a delayed raise, an invocation, a publish and an actor reminder are not lost', async (t) => {
  t.timeout(60_000);
  // Awaited here, not at the top: ava takes no declaration after an await of I/O.
  const [billing, ownApp, redis] = await Promise.all([billingReady, ownAppReady, redisReady]);
  const [a, b] = await Promise.all([
    startReplica(billing, ownApp, redis),
    startReplica(billing, ownApp, redis),
  ]);
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
  // A delayed publish and an actor reminder, due in the takeover window, on partitions of the
  // replica about to die: only the survivor's takeover can fire them.
  const dying = await owned(firing!);
  const total = dying.length + (await owned(survivor)).length;
  const onDying = (name: (k: number) => string): string => {
    for (let k = 0; ; k++) if (dying.includes(partitionOf(name(k), total))) return name(k);
  };
  const publishJob = onDying((k) => `failover-publish-${k}`);
  const actorId = onDying((k) => reminderJobName({ actorType: ACTOR_TYPE, actorId: `c-${k}`, name: 'nudge' }))
    .split('~')
    .at(2)!;
  const publishDue = anchor + 5 * EVERY_MS + 500;
  const published = await firing!.request('POST', `${JOBS}/${publishJob}`, {
    body: {
      dueTime: iso(publishDue),
      target: { publish: { pubsubName: 'events', topic: TOPIC, data: { cart: 7 } } },
    },
  });
  t.is(published.status, 204, published.text);
  const remindDue = anchor + 6 * EVERY_MS + 500;
  const reminder = await firing!.request('POST', `/v1.0/actors/${ACTOR_TYPE}/${actorId}/reminders/nudge`, {
    body: { dueTime: iso(remindDue), data: { cart: actorId } },
  });
  t.true(reminder.status === 204 || reminder.status === 200, `${reminder.status} ${reminder.text}`);
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
  // The publish reached the subscriber through Redis, not before it was due; a redelivery (at
  // least once) carries the same message id.
  const message = await ownApp.next((r) => r.path === `/${TOPIC}`, 20_000);
  t.true(message.at >= publishDue, `the message came ${publishDue - message.at} ms before it was due`);
  const ids = new Set(
    ownApp.received
      .filter((r) => r.path === `/${TOPIC}`)
      .map((r) => (JSON.parse(r.body) as { id: string }).id),
  );
  t.is(ids.size, 1, `one tick published, under one id: ${[...ids].join(', ')}`);
  t.deepEqual((JSON.parse(message.body) as { data: unknown }).data, { cart: 7 });
  // The reminder reached the app hosting the actor type, not before it was due.
  const remind = await ownApp.next(
    (r) => r.path === `/actors/${ACTOR_TYPE}/${actorId}/method/remind/nudge`,
    20_000,
  );
  t.is(remind.method, 'PUT');
  t.true(remind.at >= remindDue, `the reminder came ${remindDue - remind.at} ms before it was due`);
  // No instance twice, none extra: the listing has exactly one instance per tick.
  const list = await survivor.request('GET', `${WF}?name=echo&pageSize=1000`);
  t.is(list.status, 200, list.text);
  const listed = (list.json as { instances: Array<{ instanceID: string }> }).instances.map(
    (i) => i.instanceID,
  );
  t.deepEqual(listed.filter((id) => id.startsWith(`${JOB}@`)).sort(), [...expected].sort());
  t.is(listed.length, REPEATS, `instances listed: ${listed.join(', ')}`);
});
