/**
 * Dapr's Scheduler API (`tickflow serve --scheduler-grpc-port`), driven by a simulated daprd
 * built from the official scheduler.proto: schedule/get/list/delete round trips, WatchJobs
 * delivery with SUCCESS and FAILED answers, staging while no sidecar is connected, redelivery
 * after a stream breaks, actor reminders routed by actor type, namespace and prefix deletes,
 * WatchHosts, bad input and the API token.
 */
import test from 'ava';
import { status } from '@grpc/grpc-js';
import { nanoid } from 'nanoid';
import { startServer, type TickflowServer } from '../../../src/server/tickflow-server.js';
import { useEtcd } from '../../helpers/etcd.js';
import { SidecarSimulator, type Meta, type Trigger } from './sidecar-simulator.js';

const TOKEN = 'scheduler-test-token-0123456789';
const etcd = await useEtcd(test);

let server: TickflowServer;
const sidecars: SidecarSimulator[] = [];

test.before(async () => {
  server = await startServer({
    port: 0,
    grpcPort: false,
    schedulerGrpcPort: 0,
    etcd: etcd.hosts,
    apiToken: TOKEN,
    leaseTtlSeconds: 5,
  });
});

test.after.always(async () => {
  for (const s of sidecars) s.close();
  await server?.stop();
});

function sidecar(): SidecarSimulator {
  const s = new SidecarSimulator(server.schedulerGrpcPort ?? 0, TOKEN);
  sidecars.push(s);
  return s;
}

const ns = (): string =>
  `ns-${nanoid(8)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
const jobMeta = (namespace: string, appId: string): Meta => ({
  namespace,
  app_id: appId,
  target: { job: {} },
});
const actorMeta = (namespace: string, appId: string, type: string, id: string): Meta => ({
  namespace,
  app_id: appId,
  target: { actor: { type, id } },
});
const stringAny = (text: string) => ({
  type_url: 'type.googleapis.com/google.protobuf.StringValue',
  // A StringValue: field 1, length-delimited.
  value: Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(text)]), Buffer.from(text)]),
});

async function metrics(): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: { 'dapr-api-token': TOKEN } });
  return res.text();
}

/** Polls until `check` holds (for outcomes only visible through the API), at most 10 s. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gone(s: SidecarSimulator, name: string, metadata: Meta): Promise<void> {
  await eventually(
    async () => (await s.call('GetJob', { name, metadata })).code === status.NOT_FOUND,
    `${name} deleted`,
  );
}

test('schedule, get, list and delete round trips, for app jobs and actor reminders', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const meta = jobMeta(namespace, 'orders');
  const job = {
    schedule: '@every 1h',
    repeats: 5,
    due_time: '2030-01-01T00:00:00Z',
    ttl: '2031-01-01T00:00:00Z',
    data: stringAny('hello'),
    failure_policy: { constant: { interval: { seconds: '2' }, max_retries: 4 } },
  };
  t.like(await s.call('ScheduleJob', { name: 'backup', job, metadata: meta }), { ok: true });
  const again = await s.call('ScheduleJob', { name: 'backup', job, metadata: meta });
  t.is(again.code, status.ALREADY_EXISTS);
  if (!again.ok) t.regex(again.details, /^job "backup" already exists/);
  t.like(await s.call('ScheduleJob', { name: 'backup', job, metadata: meta, overwrite: true }), { ok: true });

  const got = await s.call<{ job: Record<string, unknown> }>('GetJob', { name: 'backup', metadata: meta });
  if (!got.ok) return t.fail(got.details);
  t.like(got.value.job, {
    schedule: '@every 1h',
    repeats: 5,
    due_time: '2030-01-01T00:00:00Z',
    ttl: '2031-01-01T00:00:00Z',
    failure_policy: { constant: { interval: { seconds: '2' }, max_retries: 4 } },
  });
  t.deepEqual(got.value.job['data'], job.data);

  // The same name for another app, and a reminder, are other jobs.
  await s.call('ScheduleJob', {
    name: 'backup',
    job: { due_time: '1h' },
    metadata: jobMeta(namespace, 'billing'),
  });
  const reminder = actorMeta(namespace, 'orders', 'Cart', 'c-1');
  t.like(await s.call('ScheduleJob', { name: 'expire', job: { due_time: '1h' }, metadata: reminder }), {
    ok: true,
  });

  const list = await s.call<{ jobs: Array<{ name: string; metadata: Meta }> }>('ListJobs', {
    metadata: meta,
  });
  if (!list.ok) return t.fail(list.details);
  t.deepEqual(
    list.value.jobs.map((j) => j.name),
    ['backup'],
  );
  t.like(list.value.jobs[0]?.metadata, { namespace, app_id: 'orders' });
  const reminders = await s.call<{ jobs: Array<{ name: string; metadata: Meta }> }>('ListJobs', {
    metadata: actorMeta(namespace, 'orders', 'Cart', ''),
  });
  if (!reminders.ok) return t.fail(reminders.details);
  t.deepEqual(
    reminders.value.jobs.map((j) => [j.name, j.metadata.target]),
    [['expire', { type: 'actor', actor: { type: 'Cart', id: 'c-1' } }]],
  );

  t.like(await s.call('DeleteJob', { name: 'backup', metadata: meta }), { ok: true });
  const missing = await s.call('GetJob', { name: 'backup', metadata: meta });
  t.is(missing.code, status.NOT_FOUND);
  t.false(missing.ok);
  if (!missing.ok) t.regex(missing.details, /"backup" not found/);
  // Deleting again is fine, as in Dapr; the other app's job is untouched.
  t.like(await s.call('DeleteJob', { name: 'backup', metadata: meta }), { ok: true });
  t.like(await s.call('GetJob', { name: 'backup', metadata: jobMeta(namespace, 'billing') }), { ok: true });
});

test('bad input is INVALID_ARGUMENT naming the field', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const cases: Array<[string, unknown, string]> = [
    [
      'ScheduleJob',
      { name: 'j', job: { due_time: '1h' }, metadata: { app_id: 'a', target: { job: {} } } },
      'metadata.namespace',
    ],
    [
      'ScheduleJob',
      { name: 'j', job: { due_time: '1h' }, metadata: { namespace, target: { job: {} } } },
      'metadata.app_id',
    ],
    [
      'ScheduleJob',
      { name: 'j', job: { due_time: '1h' }, metadata: { namespace, app_id: 'a' } },
      'metadata.target',
    ],
    ['ScheduleJob', { name: 'j', metadata: jobMeta(namespace, 'a') }, 'job'],
    ['ScheduleJob', { name: '', job: { due_time: '1h' }, metadata: jobMeta(namespace, 'a') }, 'name'],
    [
      'ScheduleJob',
      { name: 'j', job: { schedule: 'every day' }, metadata: jobMeta(namespace, 'a') },
      'schedule',
    ],
    [
      'ScheduleJob',
      { name: 'x'.repeat(300), job: { due_time: '1h' }, metadata: jobMeta(namespace, 'a') },
      'name',
    ],
    [
      'ScheduleJob',
      {
        name: 'j',
        job: { due_time: '1h' },
        metadata: { namespace, app_id: 'a', target: { actor: { type: 'T' } } },
      },
      'metadata.target.actor.id',
    ],
    [
      'GetJob',
      { name: 'j', metadata: { namespace, app_id: 'a', target: { actor: { id: '1' } } } },
      'metadata.target.actor.type',
    ],
  ];
  for (const [method, request, field] of cases) {
    const result = await s.call(method, request);
    t.is(result.code, status.INVALID_ARGUMENT, `${method} ${field}`);
    if (!result.ok) t.is(result.metadata['field'], field, `${method}: ${result.details}`);
  }
  // A stream must start with its initial request.
  const stream = s.watch(null);
  stream.send({ result: { id: '1', status: 'SUCCESS' } });
  const ended = await stream.ended;
  t.is(ended.code, status.INVALID_ARGUMENT);
  t.is(ended.metadata['field'], 'initial');
  const noApp = s.watch({ namespace, app_id: '' });
  t.like(await noApp.ended, { code: status.INVALID_ARGUMENT, metadata: { field: 'initial.app_id' } });
  const twice = s.watch({
    namespace,
    app_id: 'a',
    accept_job_types: ['JOB_TARGET_TYPE_JOB', 'JOB_TARGET_TYPE_JOB'],
  });
  t.like(await twice.ended, {
    code: status.INVALID_ARGUMENT,
    metadata: { field: 'initial.accept_job_types' },
  });
});

test('the API token is required', async (t) => {
  const s = sidecar();
  const result = await s.call('ListJobs', { metadata: jobMeta(ns(), 'a') }, null);
  t.is(result.code, status.UNAUTHENTICATED);
});

test('WatchJobs: a SUCCESS answer completes the tick; the trigger carries name, data and metadata', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const stream = s.watch({ namespace, app_id: 'orders', accept_job_types: ['JOB_TARGET_TYPE_JOB'] });
  t.teardown(() => stream.cancel());
  const meta = jobMeta(namespace, 'orders');
  await s.call('ScheduleJob', {
    name: 'now',
    job: { due_time: '0s', data: stringAny('payload') },
    metadata: meta,
  });
  const [trigger] = await stream.received(1);
  t.like(trigger, { name: 'now', metadata: { namespace, app_id: 'orders', target: { type: 'job' } } });
  t.deepEqual(trigger?.data, stringAny('payload'));
  // A one-shot job answered SUCCESS is done and deleted.
  await gone(s, 'now', meta);
  t.is(stream.triggers.length, 1);
});

test('WatchJobs: FAILED answers follow the failure policy (constant, max retries), then the tick is given up', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const stream = s.watch({ namespace, app_id: 'orders' }, () => 'FAILED');
  t.teardown(() => stream.cancel());
  const meta = jobMeta(namespace, 'orders');
  const job = {
    due_time: '0s',
    failure_policy: { constant: { interval: { nanos: 100_000_000 }, max_retries: 2 } },
  };
  await s.call('ScheduleJob', { name: 'flaky', job, metadata: meta });
  const triggers = await stream.received(3);
  t.deepEqual(
    triggers.map((x) => x.name),
    ['flaky', 'flaky', 'flaky'],
  );
  await gone(s, 'flaky', meta);
  t.is(stream.triggers.length, 3, 'one try and two retries');

  // FAILED then SUCCESS: one retry, then done.
  let first = true;
  stream.answerWith(() => {
    const answer = first ? 'FAILED' : 'SUCCESS';
    first = false;
    return answer;
  });
  await s.call('ScheduleJob', { name: 'once-more', job, metadata: meta });
  await stream.received(5);
  await gone(s, 'once-more', meta);
  t.is(stream.triggers.length, 5);
});

// Serial (ava runs serial tests first, alone): the staged gauge it reads is the server's.
test.serial(
  'a trigger due while no sidecar of its app is connected is staged, and delivered when one connects',
  async (t) => {
    const s = sidecar();
    const namespace = ns();
    const meta = jobMeta(namespace, 'late');
    await s.call('ScheduleJob', {
      name: 'waiting',
      job: { due_time: '0s', data: stringAny('w') },
      metadata: meta,
    });
    await eventually(
      async () => /tickflow_scheduler_triggers_staged [1-9]/.test(await metrics()),
      'the trigger to be staged',
    );
    // A sidecar of another app takes nothing.
    const other = s.watch({ namespace, app_id: 'other' });
    t.teardown(() => other.cancel());
    const stream = s.watch({ namespace, app_id: 'late' });
    t.teardown(() => stream.cancel());
    const [trigger] = await stream.received(1);
    t.is(trigger?.name, 'waiting');
    await gone(s, 'waiting', meta);
    t.is(other.triggers.length, 0);
  },
);

test('a stream that breaks mid-delivery has its trigger delivered again to another sidecar', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const meta = jobMeta(namespace, 'orders');
  // The first sidecar holds `handover` (never answers it) and answers everything else.
  const first = s.watch({ namespace, app_id: 'orders' }, (x) => (x.name === 'handover' ? 'hold' : 'SUCCESS'));
  await s.call('ScheduleJob', { name: 'handover', job: { due_time: '0s' }, metadata: meta });
  await first.received(1);
  const second = s.watch({ namespace, app_id: 'orders' });
  t.teardown(() => second.cancel());
  // Probes until one reaches the second sidecar (the one with the fewest in flight gets each):
  // then it is surely connected before the first one breaks.
  for (let probes = 1; second.triggers.length === 0; probes++) {
    await s.call('ScheduleJob', { name: `probe-${probes}`, job: { due_time: '0s' }, metadata: meta });
    await Promise.race([first.received(1 + probes), second.received(1)]);
  }
  first.cancel();
  await gone(s, 'handover', meta);
  t.true(
    second.triggers.some((x) => x.name === 'handover'),
    "the broken stream's trigger, sent again",
  );
  t.regex(await metrics(), /tickflow_scheduler_triggers_total\{outcome="gone"\} [1-9]/);
});

test('actor reminders go only to sidecars hosting the actor type, whichever app scheduled them', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const carts = s.watch({ namespace, app_id: 'shop', actor_types: ['Cart'] });
  const orders = s.watch({ namespace, app_id: 'orders', actor_types: ['Order'] });
  const jobsOnly = s.watch({
    namespace,
    app_id: 'audit',
    actor_types: ['Cart'],
    accept_job_types: ['JOB_TARGET_TYPE_JOB'],
  });
  t.teardown(() => [carts, orders, jobsOnly].forEach((x) => x.cancel()));
  // Scheduled by the orders app, for a Cart actor.
  const reminder = actorMeta(namespace, 'orders', 'Cart', 'c-7');
  await s.call('ScheduleJob', {
    name: 'expire',
    job: { due_time: '0s', data: stringAny('r') },
    metadata: reminder,
  });
  const [trigger] = await carts.received(1);
  t.like(trigger, {
    name: 'expire',
    metadata: { namespace, app_id: 'orders', target: { type: 'actor', actor: { type: 'Cart', id: 'c-7' } } },
  });
  await gone(s, 'expire', reminder);
  // An app job of `orders` goes to the orders sidecar; the reminder went nowhere else.
  await s.call('ScheduleJob', {
    name: 'job',
    job: { due_time: '0s' },
    metadata: jobMeta(namespace, 'orders'),
  });
  const [job] = await orders.received(1);
  t.is(job?.name, 'job');
  t.deepEqual(
    orders.triggers.map((x: Trigger) => x.name),
    ['job'],
  );
  t.is(jobsOnly.triggers.length, 0);
  t.is(carts.triggers.length, 1);
});

test('DeleteByMetadata deletes a namespace, an app, or actors by id prefix; DeleteByNamePrefix by name', async (t) => {
  const s = sidecar();
  const namespace = ns();
  const keep = ns();
  const later = { due_time: '1h' };
  const schedule = (name: string, metadata: Meta) => s.call('ScheduleJob', { name, job: later, metadata });
  await schedule('a', jobMeta(namespace, 'app1'));
  await schedule('b', jobMeta(namespace, 'app2'));
  await schedule('r', actorMeta(namespace, 'app1', 'T', 'x-1'));
  await schedule('a', jobMeta(keep, 'app1'));
  const count = async (metadata: Meta): Promise<number> => {
    const r = await s.call<{ jobs?: unknown[] }>('ListJobs', { metadata });
    if (!r.ok) throw new Error(r.details);
    return r.value.jobs?.length ?? 0;
  };
  // Namespace deletion: no target, no app id.
  t.like(await s.call('DeleteByMetadata', { metadata: { namespace } }), { ok: true });
  t.is(await count(jobMeta(namespace, 'app1')), 0);
  t.is(await count(jobMeta(namespace, 'app2')), 0);
  t.is(await count(actorMeta(namespace, 'app1', 'T', '')), 0);
  t.is(await count(jobMeta(keep, 'app1')), 1);
  const appOnly = await s.call('DeleteByMetadata', { metadata: { namespace, app_id: 'app1' } });
  t.is(appOnly.code, status.INVALID_ARGUMENT);

  // Actor ids by prefix.
  for (const id of ['a-1', 'a-2', 'b-1']) await schedule('r', actorMeta(keep, 'app1', 'T', id));
  await s.call('DeleteByMetadata', { metadata: actorMeta(keep, 'app1', 'T', 'a-'), id_prefix_match: true });
  const left = await s.call<{ jobs: Array<{ metadata: { target: { actor: { id: string } } } }> }>(
    'ListJobs',
    {
      metadata: actorMeta(keep, 'app1', 'T', ''),
    },
  );
  if (!left.ok) return t.fail(left.details);
  t.deepEqual(
    left.value.jobs.map((j) => j.metadata.target.actor.id),
    ['b-1'],
  );
  // One app's jobs.
  await s.call('DeleteByMetadata', { metadata: jobMeta(keep, 'app1') });
  t.is(await count(jobMeta(keep, 'app1')), 0);

  for (const name of ['backup-1', 'backup-2', 'other']) await schedule(name, jobMeta(keep, 'app3'));
  t.like(await s.call('DeleteByNamePrefix', { name_prefix: 'backup-', metadata: jobMeta(keep, 'app3') }), {
    ok: true,
  });
  const rest = await s.call<{ jobs: Array<{ name: string }> }>('ListJobs', {
    metadata: jobMeta(keep, 'app3'),
  });
  if (!rest.ok) return t.fail(rest.details);
  t.deepEqual(
    rest.value.jobs.map((j) => j.name),
    ['other'],
  );
});

test('WatchHosts answers this replica', async (t) => {
  const hosts = await sidecar().firstHosts();
  t.deepEqual(hosts, [`127.0.0.1:${server.schedulerGrpcPort}`]);
});
