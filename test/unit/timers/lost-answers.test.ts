/**
 * schedule and scheduleMany when etcd's answer to a create is lost (outcome unknown): the timer
 * service settles it (re-send the create-only write, read back on a failed guard) instead of
 * handing the caller an unknown outcome; a replacing write (`overwrite: true`) is not re-sent.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import { JobAlreadyExistsError } from '../../../src/timers/errors.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { LosingKv } from '../../helpers/losing-kv.js';

async function setup(): Promise<{ kv: LosingKv; service: TimerService }> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const kv = new LosingKv({ clock });
  const service = new TimerService({ kv, clock, partitions: 4 });
  // The scope's partition count is stored by the first write; the losses are meant for the job's.
  await service.ready();
  return { kv, service };
}

test('schedule: an answer lost after the job was stored resolves, and the job is stored once', async (t) => {
  const { kv, service } = await setup();
  kv.losses.push('applied');
  await service.schedule('lost-after', { dueTime: '1h', data: 1 });
  const view = await service.get('lost-after');
  t.is(view.data, 1);
  t.is(view.count, 0);
  t.deepEqual(
    (await service.list()).map((v) => v.name),
    ['lost-after'],
  );
});

test('schedule: an answer lost before the job was stored re-sends it', async (t) => {
  const { kv, service } = await setup();
  kv.losses.push('not applied');
  await service.schedule('lost-before', { dueTime: '1h' });
  t.is((await service.get('lost-before')).name, 'lost-before');
});

test('schedule: a name taken by another job still fails with JobAlreadyExistsError', async (t) => {
  const { kv, service } = await setup();
  await service.schedule('taken', { dueTime: '2h', data: 'theirs' });
  kv.losses.push('not applied');
  await t.throwsAsync(service.schedule('taken', { dueTime: '1h', data: 'mine' }), {
    instanceOf: JobAlreadyExistsError,
  });
  t.is((await service.get('taken')).data, 'theirs');
});

test('schedule with overwrite: true is not re-sent; the caller gets the unknown outcome', async (t) => {
  const { kv, service } = await setup();
  const before = kv.txns;
  kv.losses.push('applied');
  const error = await t.throwsAsync(service.schedule('replace', { dueTime: '1h', overwrite: true }), {
    instanceOf: StoreUnavailableError,
  });
  t.true(error?.outcomeUnknown);
  t.is(kv.txns - before, 1, 'sent once');
});

test('scheduleMany: a batch whose answer was lost settles each job on its own', async (t) => {
  const { kv, service } = await setup();
  await service.schedule('job-3', { dueTime: '2h', data: 'theirs' });
  kv.losses.push('applied');
  const jobs = Array.from({ length: 6 }, (_, i) => ({ name: `job-${i}`, spec: { dueTime: '1h', data: i } }));
  const results = await service.scheduleMany(jobs);
  t.deepEqual(
    results.map((r) => (r.ok ? 'ok' : r.error.name)),
    ['ok', 'ok', 'ok', 'JobAlreadyExistsError', 'ok', 'ok'],
  );
  for (const i of [0, 1, 2, 4, 5]) t.is((await service.get(`job-${i}`)).data, i);
  t.is((await service.get('job-3')).data, 'theirs');
});

test('scheduleMany: a batch stored but unanswered reports every job ok, each stored once', async (t) => {
  const { kv, service } = await setup();
  kv.losses.push('applied');
  const jobs = Array.from({ length: 5 }, (_, i) => ({ name: `batch-${i}`, spec: { dueTime: '1h' } }));
  const results = await service.scheduleMany(jobs);
  t.true(results.every((r) => r.ok));
  for (const { name } of jobs) {
    const entry = (await kv.range(service.keys.jobsRoot)).entries.find((e) => e.key.endsWith(`/${name}`));
    t.is(entry?.createRevision, entry?.modRevision, `${name} written once`);
  }
});
