/**
 * The zone of a cron without CRON_TZ (docs/jobs-api.md, "Time zones"): the option's values and
 * errors, what is stored, and that the real trigger loop fires in the zone a job was scheduled
 * under, even when a replica in another zone fires it. Every zone here is injected, so no test
 * depends on the machine's.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { JobValidationError } from '../../../src/timers/errors.js';
import { decodeRecord, encodeRecord } from '../../../src/timers/job-codec.js';
import {
  CRON_TIME_ZONE_ALLOWED,
  pinCronZone,
  resolveCronTimeZone,
} from '../../../src/timers/schedule/cron-time-zone.js';
import { nextFire } from '../../../src/timers/schedule/next-fire.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { driveJob } from '../../helpers/drive-job.js';
import { memorySteps } from '../../helpers/memory-steps.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const kolkata = (): string => 'Asia/Kolkata';

test('"local" and an absent option are the zone the process reports', (t) => {
  t.is(resolveCronTimeZone(undefined, kolkata), 'Asia/Kolkata');
  t.is(resolveCronTimeZone('local', kolkata), 'Asia/Kolkata');
  t.is(
    resolveCronTimeZone('local', () => 'Etc/UTC'),
    'UTC',
  );
});

test("UTC and IANA names are taken as given (in Intl's case), without asking for the local zone", (t) => {
  const never = (): string => {
    throw new Error('the local zone was read for an explicit zone');
  };
  t.is(resolveCronTimeZone('UTC', never), 'UTC');
  t.is(resolveCronTimeZone('Etc/UTC', never), 'UTC');
  t.is(resolveCronTimeZone('GMT', never), 'UTC');
  t.is(resolveCronTimeZone('Europe/Paris', never), 'Europe/Paris');
  t.is(resolveCronTimeZone('europe/paris', never), 'Europe/Paris');
  t.is(resolveCronTimeZone('Asia/Kathmandu', never), 'Asia/Kathmandu');
  // ICU's canonical names lag IANA's (Asia/Katmandu, Asia/Calcutta): the name given is kept.
  t.is(resolveCronTimeZone('Asia/Calcutta', never), 'Asia/Calcutta');
});

test('an unknown zone is a JobValidationError naming the field, the value and what is allowed', (t) => {
  for (const value of ['Mars/Olympus_Mons', '', ' Europe/Paris', 'CET-1', 42, null]) {
    const error = t.throws(() => resolveCronTimeZone(value, kolkata), { instanceOf: JobValidationError });
    t.is(error?.field, 'cronTimeZone');
    t.is(error?.value, value);
    t.is(error?.allowed, CRON_TIME_ZONE_ALLOWED);
    t.is(error?.code, 'JOB_VALIDATION');
  }
  const named = t.throws(() => resolveCronTimeZone('Nowhere', kolkata, '--cron-time-zone'), {
    instanceOf: JobValidationError,
  });
  t.is(named?.field, '--cron-time-zone');
  t.regex(named?.message ?? '', /"Nowhere" is not a time zone/);
});

test('"local" without an IANA zone (a POSIX TZ such as CET-1) resolves to no zone, not an error', (t) => {
  t.is(
    resolveCronTimeZone('local', () => undefined),
    undefined,
  );
  t.is(
    resolveCronTimeZone(undefined, () => undefined),
    undefined,
  );
});

test('without a default zone only a cron that needs one is refused, naming the schedule and the fix', (t) => {
  const error = t.throws(() => normalizeJob('j', { schedule: '0 0 9 * * *' }, T0, { cronTimeZone: null }), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'schedule');
  t.is(error?.value, '0 0 9 * * *');
  t.regex(error?.allowed ?? '', /its own CRON_TZ=<IANA zone> prefix, or a fixed period/);
  t.regex(error?.message ?? '', /has no IANA name .*Add CRON_TZ=<zone> to the schedule/);
  t.throws(() => pinCronZone('@daily', undefined), { instanceOf: JobValidationError });
  const own = normalizeJob('j', { schedule: 'CRON_TZ=Europe/Paris 0 0 9 * * *' }, T0, { cronTimeZone: null });
  t.is(own.schedule, 'CRON_TZ=Europe/Paris 0 0 9 * * *');
  t.is(normalizeJob('j', { schedule: '@every 1h' }, T0, { cronTimeZone: null }).schedule, '@every 1h');
  t.is(normalizeJob('j', { dueTime: '1h' }, T0, { cronTimeZone: null }).dueAt, T0 + HOUR);
});

test('a cron or descriptor gets its zone as a CRON_TZ= prefix; periods, own zones and UTC stay as they are', (t) => {
  t.is(pinCronZone('0 0 9 * * *', 'Asia/Kolkata'), 'CRON_TZ=Asia/Kolkata 0 0 9 * * *');
  t.is(pinCronZone(' @daily ', 'Europe/Paris'), 'CRON_TZ=Europe/Paris @daily');
  t.is(pinCronZone('@every 1h', 'Europe/Paris'), '@every 1h');
  t.is(pinCronZone('90s', 'Europe/Paris'), '90s');
  t.is(
    pinCronZone('CRON_TZ=America/New_York 0 0 9 * * *', 'Europe/Paris'),
    'CRON_TZ=America/New_York 0 0 9 * * *',
  );
  t.is(pinCronZone('TZ=America/New_York 0 0 9 * * *', 'Europe/Paris'), 'TZ=America/New_York 0 0 9 * * *');
  t.is(pinCronZone('0 0 9 * * *', 'UTC'), '0 0 9 * * *');
});

test('the stored record fires in the zone; the schedule as sent is what get returns, through the codec', (t) => {
  const record = normalizeJob('j', { schedule: '0 0 9 * * *' }, T0, { cronTimeZone: 'Asia/Kolkata' });
  t.is(record.schedule, 'CRON_TZ=Asia/Kolkata 0 0 9 * * *');
  t.is(record.original.schedule, '0 0 9 * * *');
  // 09:00 in Kolkata (UTC+05:30) is 03:30Z.
  t.is(nextFire(record, undefined), Date.UTC(2026, 0, 1, 3, 30));
  const decoded = decodeRecord(encodeRecord(record));
  t.deepEqual(decoded, record);
  // Without a zone (normalizeJob's default, and every record stored before zones were stored): UTC.
  t.is(nextFire(normalizeJob('j', { schedule: '0 0 9 * * *' }, T0), undefined), Date.UTC(2026, 0, 1, 9));
});

test('the real trigger loop fires a cron without CRON_TZ on the wall clock of the service zone', async (t) => {
  const ticks = async (cronTimeZone: string): Promise<number[]> =>
    (await driveJob({ schedule: '0 0 9 * * *', repeats: 2 }, { cronTimeZone })).map((d) => d.tick);
  t.deepEqual(await ticks('Asia/Kolkata'), [Date.UTC(2026, 0, 1, 3, 30), Date.UTC(2026, 0, 2, 3, 30)]);
  t.deepEqual(await ticks('America/New_York'), [Date.UTC(2026, 0, 1, 14), Date.UTC(2026, 0, 2, 14)]);
  t.deepEqual(await ticks('UTC'), [Date.UTC(2026, 0, 1, 9), Date.UTC(2026, 0, 2, 9)]);
});

test('the zone follows local time across a DST change in the stored zone', async (t) => {
  // Paris moves from +01:00 to +02:00 on 2026-03-29: 09:00 local is 08:00Z, then 07:00Z.
  const deliveries = await driveJob(
    { schedule: '0 0 9 * * *', repeats: 2 },
    { cronTimeZone: 'Europe/Paris', createdAt: Date.UTC(2026, 2, 28, 12) },
  );
  t.deepEqual(
    deliveries.map((d) => d.tick),
    [Date.UTC(2026, 2, 29, 7), Date.UTC(2026, 2, 30, 7)],
  );
});

test('a job keeps the zone it was scheduled under when a replica in another zone fires it', async (t) => {
  const clock = new FakeClock(T0);
  const kv = new MemoryKv({ clock });
  const steps = memorySteps(kv, clock);
  const scope = { kv, clock, partitions: 1, appId: 'zones' };
  // Scheduled by a process in Tokyo (UTC+09:00): 09:00 there is 00:00Z.
  const tokyo = new TimerService({ ...scope, cronTimeZone: 'Asia/Tokyo' });
  t.is(tokyo.cronTimeZone, 'Asia/Tokyo');
  await tokyo.schedule('standup', { schedule: '0 0 9 * * *', repeats: 2 });
  // Fired by a replica started later in New York, where 09:00 would be 14:00Z.
  const newYork = new TimerService({ ...scope, cronTimeZone: 'America/New_York' });
  const ticks: number[] = [];
  newYork.onTrigger('app', (trigger) => {
    ticks.push(trigger.scheduledAt.getTime());
    return 'success';
  });
  const view = await newYork.get('standup');
  t.is(view.schedule, '0 0 9 * * *', 'get returns the schedule as it was sent');
  t.is(view.nextFireAt?.getTime(), Date.UTC(2026, 0, 2, 0));
  await newYork.start();
  try {
    await steps.advanceTo(T0 + 2 * 24 * HOUR);
    t.deepEqual(ticks, [Date.UTC(2026, 0, 2, 0), Date.UTC(2026, 0, 3, 0)]);
  } finally {
    await newYork.stop();
  }
});

test('TimerService refuses an unknown cronTimeZone when it is created', (t) => {
  const kv = new MemoryKv();
  const error = t.throws(() => new TimerService({ kv, cronTimeZone: 'Atlantis/Capital' }), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'cronTimeZone');
  t.is(error?.value, 'Atlantis/Capital');
});
