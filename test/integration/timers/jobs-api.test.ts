/**
 * The Jobs API against a real etcd, without firing: schedule/get round trips for representative
 * grammar forms (the unit tests cover the grammar itself), rejection of bad input with nothing
 * stored, overwrite, scheduleMany, list, delete and deletePrefix.
 */
import test, { type ExecutionContext } from 'ava';
import type { EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { JobAlreadyExistsError, JobNotFoundError, JobValidationError } from '../../../src/timers/errors.js';
import type { JobSpec, TriggerResult } from '../../../src/timers/schedule/job.js';
import type { TimerService } from '../../../src/timers/timer-service.js';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { newService } from './timer-fixture.js';

const etcd = await useEtcd(test);
let kv: EtcdKv;
test.before(async () => {
  kv = await etcd.connect();
});

/** Everything a service's scope has stored in etcd. */
/** The scope's job and progress keys (the cluster keys, such as the partition count, stay). */
async function storedKeys(service: TimerService): Promise<string[]> {
  const cluster = service.keys.clusterPrefix;
  return (await kv.range(service.keys.root)).entries
    .map((e) => e.key)
    .filter((key) => !key.startsWith(cluster));
}

function zoned(date: Date, timeZone: string): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

test('grammar forms round-trip through schedule and get, with the first fire where expected', async (t) => {
  const service = newService(kv);
  const before = Date.now();
  const cases: Array<[string, JobSpec, (createdAt: number, next: Date | undefined) => void]> = [
    [
      'cron-seconds-first',
      { schedule: '0 30 * * * *' },
      (created, next) => {
        t.truthy(next);
        t.is(next!.getUTCMinutes(), 30);
        t.is(next!.getUTCSeconds(), 0);
        t.is(next!.getUTCMilliseconds(), 0);
        t.true(next!.getTime() > created && next!.getTime() <= created + 3_600_000);
      },
    ],
    [
      'cron-tz-names',
      { schedule: 'CRON_TZ=America/New_York 0 0 9 * * mon-fri' },
      (created, next) => {
        const local = zoned(next!, 'America/New_York');
        t.deepEqual([local['hour'], local['minute'], local['second']], ['09', '00', '00']);
        t.true(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'].includes(local['weekday'] ?? ''));
        t.true(next!.getTime() > created && next!.getTime() <= created + 4 * 86_400_000);
      },
    ],
    [
      'cron-month-names',
      { schedule: '0 0 12 1 jan,jul *' },
      (_created, next) => {
        t.true([0, 6].includes(next!.getUTCMonth()));
        t.is(next!.getUTCDate(), 1);
        t.is(next!.getUTCHours(), 12);
      },
    ],
    ['every', { schedule: '@every 1h30m' }, (c, next) => t.is(next?.getTime(), c + 5_400_000)],
    ['bare-duration', { schedule: '2h45m' }, (c, next) => t.is(next?.getTime(), c + 9_900_000)],
    ['iso-due-time', { dueTime: 'PT1H30M' }, (c, next) => t.is(next?.getTime(), c + 5_400_000)],
    ['iso-ttl', { schedule: '@every 1h', ttl: 'P1DT2H' }, (c, next) => t.is(next?.getTime(), c + 3_600_000)],
    [
      'daily',
      { schedule: '@daily' },
      (c, next) => t.is(next?.getTime(), Math.floor(c / 86_400_000) * 86_400_000 + 86_400_000),
    ],
    [
      'hourly',
      { schedule: '@hourly' },
      (c, next) => t.is(next?.getTime(), Math.floor(c / 3_600_000) * 3_600_000 + 3_600_000),
    ],
    [
      'due-rfc3339-offset',
      { dueTime: '2031-03-04T05:06:07.250+02:00' },
      (_c, next) => t.is(next?.getTime(), Date.UTC(2031, 2, 4, 3, 6, 7, 250)),
    ],
    ['due-duration', { dueTime: '90s' }, (c, next) => t.is(next?.getTime(), c + 90_000)],
    [
      'due-date',
      { dueTime: new Date(Date.UTC(2032, 0, 1)) },
      (_c, next) => t.is(next?.getTime(), Date.UTC(2032, 0, 1)),
    ],
    [
      'schedule-with-due-repeats-ttl',
      { schedule: '@every 10m', dueTime: '1h', repeats: 5, ttl: '24h' },
      (c, next) => t.is(next?.getTime(), c + 3_600_000),
    ],
  ];
  for (const [name, spec] of cases) await service.schedule(name, spec);
  for (const [name, spec, check] of cases) {
    const view = await service.get(name);
    t.is(view.name, name);
    t.is(view.target, 'app');
    t.is(view.count, 0);
    t.is(view.schedule, spec.schedule);
    t.is(view.dueTime, spec.dueTime instanceof Date ? spec.dueTime.toISOString() : spec.dueTime);
    t.is(view.repeats, spec.repeats);
    t.is(view.ttl, spec.ttl as string | undefined);
    t.deepEqual(view.failurePolicy, { constant: { interval: '1s', maxRetries: 3 } });
    const created = view.createdAt.getTime();
    t.true(created >= before && created <= Date.now(), `${name}: createdAt`);
    check(created, view.nextFireAt);
  }
});

test('data and failure policy are stored as given', async (t) => {
  const service = newService(kv);
  const data = { order: 42, items: ['a', 'b'], nested: { ok: true, none: null } };
  await service.schedule('with-data', { dueTime: '1h', data, failurePolicy: { drop: {} } });
  await service.schedule('constant', {
    dueTime: '1h',
    failurePolicy: { constant: { interval: '5s', maxRetries: 10 } },
  });
  t.deepEqual((await service.get('with-data')).data, data);
  t.deepEqual((await service.get('with-data')).failurePolicy, { drop: {} });
  t.deepEqual((await service.get('constant')).failurePolicy, {
    constant: { interval: '5s', maxRetries: 10 },
  });
});

const BAD: Array<{ name?: string; spec: unknown; field: string; message?: RegExp }> = [
  // The field rules of docs/jobs-api.md, in their order.
  { spec: {}, field: 'schedule', message: /needs a schedule, a dueTime, or both/ },
  { spec: { dueTime: '10s', repeats: 2 }, field: 'repeats', message: /no schedule/ },
  { spec: { schedule: '@every 1s', repeats: 0 }, field: 'repeats', message: /positive integer/ },
  { spec: { dueTime: '10s', ttl: '1h' }, field: 'ttl', message: /ttl needs a schedule/ },
  {
    spec: { schedule: '@every 1s', dueTime: '2031-01-01T00:00:00Z', ttl: '2030-01-01T00:00:00Z' },
    field: 'ttl',
    message: /before the dueTime/,
  },
  // Forms.
  { spec: { schedule: '*/5 * * * *' }, field: 'schedule', message: /5-field cron/ },
  { spec: { schedule: '@every' }, field: 'schedule' },
  { spec: { schedule: '@fortnightly' }, field: 'schedule' },
  { spec: { schedule: 'CRON_TZ=Mars/Olympus 0 0 * * * *' }, field: 'schedule' },
  { spec: { schedule: '10' }, field: 'schedule' },
  { spec: { schedule: '0 61 * * * *' }, field: 'schedule' },
  { spec: { dueTime: '2026-01-01' }, field: 'dueTime' },
  { spec: { dueTime: 'tomorrow' }, field: 'dueTime' },
  { spec: { dueTime: '-5s' }, field: 'dueTime' },
  { spec: { schedule: '@every 1s', ttl: 'forever' }, field: 'ttl' },
  { spec: { dueTime: '1s', repeats: 1.5 }, field: 'repeats' },
  {
    spec: { dueTime: '1s', failurePolicy: { constant: { maxRetries: -1 } } },
    field: 'failurePolicy.constant.maxRetries',
  },
  {
    spec: { dueTime: '1s', failurePolicy: { constant: { interval: 'soon' } } },
    field: 'failurePolicy.constant.interval',
  },
  { spec: { dueTime: '1s', failurePolicy: { drop: { x: 1 } } }, field: 'failurePolicy.drop' },
  { spec: { dueTime: '1s', failurePolicy: { retry: {} } }, field: 'failurePolicy' },
  { spec: { dueTime: '1s', data: { at: Number.NaN } }, field: 'data.at' },
  { spec: { dueTime: '1s', cron: '* * * * * *' }, field: 'cron' },
  { spec: { dueTime: '1s', overwrite: 'yes' }, field: 'overwrite' },
  { spec: 'every second', field: 'spec' },
  // Names.
  { name: '', spec: { dueTime: '1s' }, field: 'name' },
  { name: 'a/b', spec: { dueTime: '1s' }, field: 'name' },
  { name: 'a#b', spec: { dueTime: '1s' }, field: 'name' },
  { name: 'a?b', spec: { dueTime: '1s' }, field: 'name' },
  { name: 'a\\b', spec: { dueTime: '1s' }, field: 'name' },
  { name: '.', spec: { dueTime: '1s' }, field: 'name' },
  { name: '..', spec: { dueTime: '1s' }, field: 'name' },
  { name: 'tab\tname', spec: { dueTime: '1s' }, field: 'name' },
  { name: 'x'.repeat(257), spec: { dueTime: '1s' }, field: 'name' },
];

function expectInvalid(t: ExecutionContext, error: unknown, field: string, message?: RegExp): void {
  t.true(
    error instanceof JobValidationError,
    `expected JobValidationError for ${field}, got ${String(error)}`,
  );
  const e = error as JobValidationError;
  t.is(e.field, field, e.message);
  t.true(e.allowed.length > 0);
  if (message) t.regex(e.message, message);
}

test('bad input is rejected with the field named, and nothing is stored', async (t) => {
  const service = newService(kv);
  for (const [i, bad] of BAD.entries()) {
    const name = bad.name ?? `bad-${i}`;
    // Deliberately untyped input, as an HTTP client could send it.
    const spec = bad.spec as JobSpec;
    const error = await service.schedule(name, spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectInvalid(t, error, bad.field, bad.message);
    const specOf = bad.spec as Record<string, unknown>;
    if (bad.field in (typeof specOf === 'object' ? specOf : {}))
      t.deepEqual((error as JobValidationError).value, specOf[bad.field]);
    if (bad.field === 'name') t.is((error as JobValidationError).value, name);
  }
  // A batch with one bad job stores none of them.
  const batch = [
    { name: 'good-1', spec: { dueTime: '1h' } },
    { name: 'bad', spec: { dueTime: '1h', repeats: 3 } },
    { name: 'good-2', spec: { dueTime: '1h' } },
  ];
  expectInvalid(t, await service.scheduleMany(batch).catch((e: unknown) => e), 'repeats');
  // Oversized data, against the service's configured limit.
  const small = newService(kv, { appId: service.appId, maxDataBytes: 64 });
  expectInvalid(
    t,
    await small.schedule('big', { dueTime: '1h', data: 'x'.repeat(100) }).catch((e: unknown) => e),
    'data',
  );
  t.deepEqual(await storedKeys(service), []);
  t.deepEqual(await service.list(), []);
  await t.throwsAsync(service.get('good-1'), { instanceOf: JobNotFoundError });
  // get/delete validate the name too.
  await t.throwsAsync(service.get('a/b'), { instanceOf: JobValidationError });
  await t.throwsAsync(service.delete('..'), { instanceOf: JobValidationError });
});

test('overwrite: false (the default) keeps the old job; true replaces it', async (t) => {
  const service = newService(kv);
  await service.schedule('job', { schedule: '@every 1h', data: 'first' });
  const first = await service.get('job');
  const error = await t.throwsAsync(service.schedule('job', { dueTime: '10s', data: 'second' }), {
    instanceOf: JobAlreadyExistsError,
  });
  t.is(error?.jobName, 'job');
  await t.throwsAsync(service.schedule('job', { dueTime: '10s', overwrite: false }), {
    instanceOf: JobAlreadyExistsError,
  });
  t.deepEqual(await service.get('job'), first, 'the old job is untouched');
  await service.schedule('job', { dueTime: '10s', data: 'second', overwrite: true });
  const second = await service.get('job');
  t.is(second.data, 'second');
  t.is(second.schedule, undefined);
  t.is(second.dueTime, '10s');
});

test('scheduleMany stores every job and reports existing names per job', async (t) => {
  const service = newService(kv);
  await service.schedule('many-0007', { dueTime: '1h', data: 'kept' });
  const jobs = Array.from({ length: 500 }, (_, i) => ({
    name: `many-${String(i).padStart(4, '0')}`,
    spec: { dueTime: '1h', data: i },
  }));
  const results = await service.scheduleMany(jobs);
  t.is(results.length, 500);
  t.deepEqual(
    results.map((r) => r.name),
    jobs.map((j) => j.name),
  );
  const failed = results.filter((r) => !r.ok);
  t.deepEqual(
    failed.map((r) => r.name),
    ['many-0007'],
  );
  const [dup] = failed;
  t.true(dup !== undefined && !dup.ok && dup.error instanceof JobAlreadyExistsError);
  t.is((await service.get('many-0007')).data, 'kept');
  t.is((await service.get('many-0123')).data, 123);
  const listed = await service.list();
  t.is(listed.length, 500);
  t.deepEqual(
    listed.map((v) => v.name),
    jobs.map((j) => j.name),
  );
  // With overwrite, existing names are replaced.
  const again = await service.scheduleMany([
    { name: 'many-0007', spec: { dueTime: '2h', data: 'new', overwrite: true } },
  ]);
  t.deepEqual(again, [{ name: 'many-0007', ok: true }]);
  t.is((await service.get('many-0007')).data, 'new');
});

test('get, list, delete and deletePrefix', async (t) => {
  const service = newService(kv);
  const other = newService(kv); // another appId must never be touched
  for (const name of ['order-1', 'order-2', 'order-10', 'ord', 'invoice-1', 'Order-3']) {
    await service.schedule(name, { dueTime: '1h' });
  }
  await other.schedule('order-1', { dueTime: '1h' });
  t.deepEqual(
    (await service.list()).map((v) => v.name),
    ['Order-3', 'invoice-1', 'ord', 'order-1', 'order-10', 'order-2'],
  );
  t.deepEqual(
    (await service.list({ prefix: 'order-' })).map((v) => v.name),
    ['order-1', 'order-10', 'order-2'],
  );
  t.deepEqual(await service.list({ prefix: 'nothing' }), []);
  await t.throwsAsync(service.get('order-3'), { instanceOf: JobNotFoundError }, 'names are case-sensitive');

  t.true(await service.delete('invoice-1'));
  t.false(await service.delete('invoice-1'));
  await t.throwsAsync(service.get('invoice-1'), { instanceOf: JobNotFoundError });

  t.is(await service.deletePrefix('order-'), 3);
  t.deepEqual(
    (await service.list()).map((v) => v.name),
    ['Order-3', 'ord'],
  );
  t.is(await service.deletePrefix('order-'), 0);
  t.deepEqual(
    (await other.list()).map((v) => v.name),
    ['order-1'],
  );
  t.is(await service.deletePrefix(''), 2);
  t.deepEqual(await storedKeys(service), []);
});

test('list shows each job with its delivered count and next fire time, as get does', async (t) => {
  const service = newService(kv);
  t.teardown(() => service.stop());
  let release: (() => void) | undefined;
  const secondHeld = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  // The second tick is held in the handler, so the stored count stays at 1 while we read.
  service.onTrigger('app', async (): Promise<TriggerResult> => {
    if (++calls > 1) await secondHeld;
    return 'success';
  });
  await service.schedule('every-1s', { schedule: '@every 1s', repeats: 3 });
  await service.schedule('later', { dueTime: '1h' });
  await service.start();
  await waitFor(async () => (await service.get('every-1s')).count === 1, { what: 'the first tick counted' });

  const listed = await service.list();
  t.deepEqual(
    listed.map((v) => v.name),
    ['every-1s', 'later'],
  );
  const [every, later] = listed;
  const created = every?.createdAt.getTime() ?? NaN;
  t.is(every?.count, 1);
  t.is(every?.nextFireAt?.getTime(), created + 2000, 'the second tick: anchor + 2 periods');
  t.is(later?.count, 0);
  t.is(later?.nextFireAt?.getTime(), later?.createdAt && later.createdAt.getTime() + 3_600_000);
  t.deepEqual(listed, [await service.get('every-1s'), await service.get('later')]);
  release?.();
});
