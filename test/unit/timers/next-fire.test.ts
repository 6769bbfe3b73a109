import test from 'ava';
import { afterFailure, retryAt } from '../../../src/timers/schedule/failure-decision.js';
import type { JobRecord, JobSpec } from '../../../src/timers/schedule/job.js';
import {
  completeTick,
  failedAttempt,
  nextFire,
  scheduleFor,
} from '../../../src/timers/schedule/next-fire.js';
import type { TickState } from '../../../src/timers/schedule/next-fire.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';
import { driveJob, type Delivery } from '../../helpers/drive-job.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const S = 1_000;

const job = (spec: JobSpec, createdAt = T0): JobRecord => normalizeJob('job', spec, createdAt);

const ticksOf = (deliveries: Delivery[]): number[] => deliveries.map((d) => d.tick);

test('a dueTime-only one-shot has exactly one tick, at its dueTime', async (t) => {
  const record = job({ dueTime: '10s' });
  t.deepEqual(ticksOf(await driveJob({ dueTime: '10s' })), [T0 + 10 * S]);
  t.is(nextFire(record, { count: 1, lastTick: T0 + 10 * S }), undefined);
});

test('a past dueTime fires at once: nextFire returns the dueTime itself, not a later tick', (t) => {
  const record = job({ dueTime: '2025-12-31T00:00:00Z' });
  t.is(nextFire(record, undefined), Date.UTC(2025, 11, 31));
});

test('@every 1s + repeats 2 → exactly 2 ticks', async (t) => {
  t.deepEqual(ticksOf(await driveJob({ schedule: '@every 1s', repeats: 2 })), [T0 + S, T0 + 2 * S]);
});

test('@every 1s + ttl 3s → 3 ticks; a tick exactly at the expiry still fires', async (t) => {
  t.deepEqual(ticksOf(await driveJob({ schedule: '@every 1s', ttl: '3s' })), [
    T0 + S,
    T0 + 2 * S,
    T0 + 3 * S,
  ]);
  t.deepEqual(ticksOf(await driveJob({ schedule: '@every 1s', ttl: '2999ms' })), [T0 + S, T0 + 2 * S]);
});

test('dueTime + @every: the first tick is the dueTime and the period is anchored there', async (t) => {
  const deliveries = await driveJob({ schedule: '@every 1s', dueTime: '2500ms', repeats: 3 });
  t.deepEqual(ticksOf(deliveries), [T0 + 2500, T0 + 3500, T0 + 4500]);
});

test('dueTime + @every + ttl: the ttl counts from the dueTime', async (t) => {
  const due = T0 + 3_600 * S;
  t.deepEqual(ticksOf(await driveJob({ schedule: '@every 1s', dueTime: '1h', ttl: '2s' })), [
    due,
    due + S,
    due + 2 * S,
  ]);
});

test('without dueTime, @every is anchored at creation (not at a round second)', async (t) => {
  const created = T0 + 123;
  t.deepEqual(ticksOf(await driveJob({ schedule: '@every 1s', repeats: 3 }, { createdAt: created })), [
    created + S,
    created + 2 * S,
    created + 3 * S,
  ]);
});

test('cron: the first tick is the first match after creation; dueTime overrides the first tick', async (t) => {
  const created = Date.UTC(2026, 0, 1, 0, 10, 0);
  t.deepEqual(ticksOf(await driveJob({ schedule: '0 30 * * * *', repeats: 2 }, { createdAt: created })), [
    Date.UTC(2026, 0, 1, 0, 30),
    Date.UTC(2026, 0, 1, 1, 30),
  ]);
  const withDue = { schedule: '0 30 * * * *', dueTime: '2026-01-01T00:45:00Z', repeats: 3 };
  t.deepEqual(ticksOf(await driveJob(withDue, { createdAt: created })), [
    Date.UTC(2026, 0, 1, 0, 45),
    Date.UTC(2026, 0, 1, 1, 30),
    Date.UTC(2026, 0, 1, 2, 30),
  ]);
});

test('the job is over once count reaches repeats, whatever lastTick says', (t) => {
  const record = job({ schedule: '@every 1s', repeats: 5 });
  t.is(nextFire(record, { count: 4, lastTick: T0 + 4 * S }), T0 + 5 * S);
  t.is(nextFire(record, { count: 5, lastTick: T0 + 5 * S }), undefined);
  t.is(nextFire(record, { count: 6, lastTick: T0 + 5 * S }), undefined);
});

test('a ttl already passed when the first tick comes means no tick at all', (t) => {
  const record = job({ schedule: '@daily', ttl: '1h' });
  t.is(nextFire(record, undefined), undefined);
});

test('catch-up: after long downtime every missed tick comes, in order, on the original cadence', async (t) => {
  const lastTick = T0 + 5 * S;
  // The service comes back an hour later; deliveries then take 37 ms each.
  const deliveries = (
    await driveJob({ schedule: '@every 1s' }, { start: lastTick + 3_600 * S, latency: 37, limit: 3_605 })
  ).slice(5);
  t.is(deliveries[0]?.tick, lastTick + S);
  t.true(
    deliveries.every((d, i) => d.tick === lastTick + (i + 1) * S),
    'no gap, no drift',
  );
  t.true(
    deliveries.every((d) => d.at >= d.tick),
    'never early',
  );
});

test('catch-up from a stored lastTick alone walks forward one tick at a time', (t) => {
  const record = job({ schedule: '*/10 * * * * *' });
  let progress: TickState = { count: 7, lastTick: Date.UTC(2025, 11, 31, 23, 0, 0), attempts: 0 };
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    const tick = nextFire(record, progress);
    if (tick === undefined) break;
    seen.push(tick);
    progress = completeTick(progress, tick);
  }
  const base = Date.UTC(2025, 11, 31, 23, 0, 0);
  t.deepEqual(seen, [base + 10 * S, base + 20 * S, base + 30 * S, base + 40 * S]);
  t.is(progress.count, 11);
});

// --- failure policy decisions ---

const alwaysFails = (): boolean => true;

test('default policy: 4 attempts, 1 s apart, then the tick is given up', async (t) => {
  const deliveries = await driveJob({ dueTime: '1s' }, { fails: alwaysFails });
  t.deepEqual(
    deliveries.map((d) => [d.attempt, d.at - T0]),
    [
      [1, 1 * S],
      [2, 2 * S],
      [3, 3 * S],
      [4, 4 * S],
    ],
  );
});

test('drop: 1 attempt', async (t) => {
  t.is((await driveJob({ dueTime: '1s', failurePolicy: { drop: {} } }, { fails: alwaysFails })).length, 1);
});

test('constant, maxRetries 4, no interval: 5 attempts at 1 s spacing', async (t) => {
  const deliveries = await driveJob(
    { dueTime: '1s', failurePolicy: { constant: { maxRetries: 4 } } },
    { fails: alwaysFails },
  );
  t.is(deliveries.length, 5);
  t.deepEqual(
    deliveries.slice(1).map((d, i) => d.at - (deliveries[i]?.at ?? 0)),
    [S, S, S, S],
  );
});

test('constant, maxRetries 0: 1 attempt; interval is honoured', async (t) => {
  t.is(
    (
      await driveJob(
        { dueTime: '1s', failurePolicy: { constant: { maxRetries: 0 } } },
        { fails: alwaysFails },
      )
    ).length,
    1,
  );
  const spaced = await driveJob(
    { dueTime: '1s', failurePolicy: { constant: { interval: '250ms', maxRetries: 2 } } },
    { fails: alwaysFails },
  );
  t.deepEqual(
    spaced.map((d) => d.at - T0),
    [1000, 1250, 1500],
  );
});

test('constant without maxRetries retries forever', async (t) => {
  const deliveries = await driveJob(
    { dueTime: '1s', failurePolicy: { constant: {} } },
    { fails: alwaysFails, limit: 500 },
  );
  t.is(deliveries.length, 500);
  t.true(deliveries.every((d) => d.tick === T0 + S));
  const record = job({ dueTime: '1s', failurePolicy: { constant: {} } });
  t.is(retryAt(record, { attempts: 1_000_000 }, T0), T0 + S);
});

test('a success after failures resets the attempt count for the next tick', async (t) => {
  const deliveries = await driveJob(
    { schedule: '@every 10s', repeats: 2 },
    { fails: (d) => d.tick === T0 + 10 * S && d.attempt < 3 },
  );
  t.deepEqual(
    deliveries.map((d) => [d.tick - T0, d.attempt]),
    [
      [10 * S, 1],
      [10 * S, 2],
      [10 * S, 3],
      [20 * S, 1],
    ],
  );
});

test('retries and give-ups never shift the cadence; a given-up tick counts towards repeats', async (t) => {
  // Every attempt fails; each takes 300 ms, so the retries of one tick run into the next ones.
  const deliveries = await driveJob(
    { schedule: '@every 1s', repeats: 3 },
    { fails: alwaysFails, latency: 300 },
  );
  const ticks = [...new Set(ticksOf(deliveries))];
  t.deepEqual(ticks, [T0 + S, T0 + 2 * S, T0 + 3 * S]);
  t.is(deliveries.length, 12);
  t.true(deliveries.every((d) => d.at >= d.tick));
});

test('the decision for a retry carries retryAt; a give-up does not', (t) => {
  const record = job({ dueTime: '1s' });
  t.deepEqual(afterFailure(record, { attempts: 0 }, T0 + 5 * S), { kind: 'retry', retryAt: T0 + 6 * S });
  t.deepEqual(afterFailure(record, { attempts: 3 }, T0 + 5 * S), { kind: 'give-up' });
  t.is(retryAt(record, undefined, T0), T0 + S);
});

test('counter transitions', (t) => {
  t.deepEqual(failedAttempt(undefined), { count: 0, lastTick: undefined, attempts: 1 });
  t.deepEqual(failedAttempt({ count: 2, lastTick: 5, attempts: 1 }), { count: 2, lastTick: 5, attempts: 2 });
  t.deepEqual(completeTick({ count: 2, lastTick: 5, attempts: 3 }, 9), {
    count: 3,
    lastTick: 9,
    attempts: 0,
  });
});

test('parsed schedules are cached by text', (t) => {
  t.is(scheduleFor('@every 7s'), scheduleFor('@every 7s'));
  t.not(scheduleFor('@every 7s'), scheduleFor('@every 8s'));
});
