/**
 * Delivery semantics of one replica against a real etcd: one-shots, repeats, ttl, overwrite,
 * the failure policy and never-early. Each test has its own appId and service.
 */
import test from 'ava';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { JobNotFoundError } from '../../../src/timers/errors.js';
import type { JobSpec, TriggerResult } from '../../../src/timers/schedule/job.js';
import type { TimerService } from '../../../src/timers/timer-service.js';
import { useEtcd } from '../../helpers/etcd.js';
import { newService, Recorder } from './timer-fixture.js';

const etcd = await useEtcd(test);
let kv: EtcdKv;
test.before(async () => {
  kv = await etcd.connect();
});

async function started(t: { teardown(fn: () => Promise<void>): void }): Promise<{
  service: TimerService;
  rec: Recorder;
}> {
  const service = newService(kv);
  const rec = new Recorder().watch(service);
  t.teardown(() => service.stop());
  await service.start();
  return { service, rec };
}

test('a dueTime-only one-shot fires once and is deleted', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger('app', rec.handler('a'));
  const due = Date.now() + 300;
  await service.schedule('once', { dueTime: new Date(due), data: { hello: 'world' } });
  await rec.untilEnded('once');
  const [d, ...more] = rec.of('once');
  t.is(more.length, 0);
  t.is(d?.scheduledAt, due);
  t.is(d?.attempt, 1);
  t.is(d?.count, 0);
  t.deepEqual(d?.data, { hello: 'world' });
  t.true((d?.handlerNow ?? 0) >= due);
  await t.throwsAsync(service.get('once'), { instanceOf: JobNotFoundError });
  t.deepEqual((await kv.range(service.keys.jobsRoot)).entries, []);
  t.deepEqual((await kv.range(`${service.keys.root}progress/`)).entries, [], 'its counter is gone too');
});

test('@every 1s with repeats 2 fires exactly twice, 1 s apart', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger('app', rec.handler('a'));
  await service.schedule('twice', { schedule: '@every 1s', repeats: 2 });
  const created = (await service.get('twice')).createdAt.getTime();
  await rec.untilEnded('twice');
  const fired = rec.of('twice');
  t.deepEqual(
    fired.map((d) => d.scheduledAt),
    [created + 1000, created + 2000],
  );
  t.deepEqual(
    fired.map((d) => d.count),
    [0, 1],
  );
  await t.throwsAsync(service.get('twice'), { instanceOf: JobNotFoundError });
});

test('@every 1s with ttl 3s fires 3 times, then expires', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger('app', rec.handler('a'));
  await service.schedule('ttl', { schedule: '@every 1s', ttl: '3s' });
  const created = (await service.get('ttl')).createdAt.getTime();
  await rec.untilEnded('ttl');
  t.deepEqual(
    rec.of('ttl').map((d) => d.scheduledAt),
    [created + 1000, created + 2000, created + 3000],
  );
});

test('overwrite: true replaces a running job and restarts its count', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger('app', rec.handler('a'));
  await service.schedule('re', { schedule: '@every 1s', repeats: 3, data: 'old' });
  await rec.untilDelivered('re', 1);
  await service.schedule('re', { schedule: '@every 1s', repeats: 2, data: 'new', overwrite: true });
  const view = await service.get('re');
  t.is(view.count, 0, 'a fresh count');
  t.is(view.data, 'new');
  await rec.untilEnded('re');
  const fresh = rec.of('re').filter((d) => d.data === 'new');
  t.deepEqual(
    fresh.map((d) => d.count),
    [0, 1],
  );
  t.deepEqual(
    fresh.map((d) => d.scheduledAt),
    [view.createdAt.getTime() + 1000, view.createdAt.getTime() + 2000],
  );
  // The old incarnation fired at most twice before it was replaced, never after the new one began.
  const old = rec.of('re').filter((d) => d.data === 'old');
  t.true(old.length >= 1 && old.length <= 2);
  t.true(old.every((d) => d.handlerNow <= (fresh[0]?.handlerNow ?? 0)));
});

test('failure policy: the default gives 4 attempts, 1 s apart, then moves on', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger(
    'app',
    rec.handler('a', () => 'failed'),
  );
  const due = Date.now() + 100;
  await service.schedule('default', { dueTime: new Date(due) });
  await rec.untilEnded('default');
  const attempts = rec.of('default');
  t.deepEqual(
    attempts.map((d) => d.attempt),
    [1, 2, 3, 4],
  );
  t.true(
    attempts.every((d) => d.scheduledAt === due),
    'every retry is for the same tick',
  );
  for (let i = 1; i < attempts.length; i++) {
    const gap = (attempts[i]?.handlerNow ?? 0) - (attempts[i - 1]?.handlerNow ?? 0);
    t.true(gap >= 1000, `retry ${i} came ${gap} ms after the previous attempt`);
  }
  const results = rec.triggered.filter((e) => e.name === 'default').map((e) => e.result);
  t.deepEqual(results, ['failed', 'failed', 'failed', 'failed']);
});

test('failure policy: drop gives 1 attempt; constant maxRetries 4 without interval gives 5', async (t) => {
  const { service, rec } = await started(t);
  let thrown = 0;
  service.onTrigger('app', async (trigger): Promise<TriggerResult> => {
    await rec.handler('a', () => 'failed')(trigger);
    // A throwing handler counts as a failure too.
    if (trigger.name === 'retry4' && trigger.attempt === 2) {
      thrown++;
      throw new Error('handler crashed');
    }
    return 'failed';
  });
  await service.scheduleMany([
    { name: 'drop', spec: { dueTime: '0s', failurePolicy: { drop: {} } } },
    { name: 'retry4', spec: { dueTime: '0s', failurePolicy: { constant: { maxRetries: 4 } } } },
    // Retries never shift the cadence: tick 2 stays on the lattice.
    {
      name: 'cadence',
      spec: {
        schedule: '@every 1s',
        repeats: 2,
        failurePolicy: { constant: { interval: '300ms', maxRetries: 1 } },
      },
    },
  ]);
  const created = (await service.get('cadence')).createdAt.getTime();
  await rec.untilEnded(['drop', 'retry4', 'cadence']);
  t.deepEqual(
    rec.of('drop').map((d) => d.attempt),
    [1],
  );
  t.deepEqual(
    rec.of('retry4').map((d) => d.attempt),
    [1, 2, 3, 4, 5],
  );
  t.is(thrown, 1);
  t.true(rec.warnings.some((w) => w.message === 'handler crashed'));
  t.deepEqual(
    rec.of('cadence').map((d) => [d.scheduledAt - created, d.attempt]),
    [
      [1000, 1],
      [1000, 2],
      [2000, 1],
      [2000, 2],
    ],
  );
});

test('never early: hundreds of timers fire at or after their due time, each exactly once', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger('app', rec.handler('a'));
  const base = Date.now() + 500;
  const due = new Map<string, number>();
  const jobs: Array<{ name: string; spec: JobSpec }> = Array.from({ length: 400 }, (_, i) => {
    // Spread over 1.5 s with odd millisecond offsets, several sharing each instant.
    const at = base + ((i * 37) % 1500);
    due.set(`t-${i}`, at);
    return { name: `t-${i}`, spec: { dueTime: new Date(at).toISOString() } };
  });
  // A few recurring ones too, whose later ticks come from the stored schedule.
  for (let i = 0; i < 20; i++) {
    jobs.push({ name: `r-${i}`, spec: { schedule: '@every 250ms', repeats: 3 } });
  }
  const results = await service.scheduleMany(jobs);
  t.true(results.every((r) => r.ok));
  await rec.untilEnded(
    jobs.map((j) => j.name),
    { timeoutMs: 20_000 },
  );
  t.is(rec.deliveries.length, 400 + 20 * 3);
  for (const d of rec.deliveries) {
    if (d.handlerNow < d.scheduledAt) t.fail(`${d.name} ran ${d.scheduledAt - d.handlerNow} ms early`);
    const expected = due.get(d.name);
    if (expected !== undefined && d.scheduledAt !== expected) t.fail(`${d.name}: scheduledAt moved`);
  }
  for (const e of rec.triggered) {
    if (e.firedAt < e.scheduledAt) t.fail(`${e.name}: firedAt ${e.firedAt} < scheduledAt ${e.scheduledAt}`);
  }
  const perName = new Map<string, number>();
  for (const d of rec.deliveries) perName.set(d.name, (perName.get(d.name) ?? 0) + 1);
  t.true(
    [...due.keys()].every((n) => perName.get(n) === 1),
    'each one-shot exactly once',
  );
  t.is(rec.triggered.length, rec.deliveries.length);
});

test('a past dueTime fires at once', async (t) => {
  const { service, rec } = await started(t);
  service.onTrigger('app', rec.handler('a'));
  await service.schedule('overdue', { dueTime: '2020-01-01T00:00:00Z' });
  await rec.untilEnded('overdue');
  t.deepEqual(
    rec.of('overdue').map((d) => d.scheduledAt),
    [Date.UTC(2020, 0, 1)],
  );
});
