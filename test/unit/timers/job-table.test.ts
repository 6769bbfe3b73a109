/**
 * JobTable: the owner's in-memory bookkeeping of jobs, due-queue and staged triggers. Pure, so
 * time is just numbers passed in.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { DormantJob } from '../../../src/timers/dormant-job.js';
import { JobTable, type TableJob } from '../../../src/timers/job-table.js';
import type { LiveJob } from '../../../src/timers/live-job.js';
import type { JobProgress, JobRecord } from '../../../src/timers/schedule/job.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';

const T0 = Date.UTC(2026, 0, 1);

/** Upserts at time T0 (horizon 60 s unless the table says otherwise). */
function put(
  table: JobTable,
  name: string,
  partition: number,
  record: JobRecord,
  modRevision: number,
  stored?: JobProgress,
  progressStored = true,
  nowMs = T0,
): TableJob | undefined {
  return table.upsert(name, partition, record, modRevision, stored, progressStored, nowMs);
}

/** As `put`, for jobs due within the horizon: the live job, and never a dormant one. */
function putLive(...args: Parameters<typeof put>): LiveJob | undefined {
  const job = put(...args);
  if (job?.state === 'dormant') throw new Error(`${job.name} went dormant`);
  return job;
}

function oneShot(name: string, dueInMs: number, target = 'app'): JobRecord {
  return normalizeJob(name, { dueTime: new Date(T0 + dueInMs), target }, T0);
}

test('a job waits until its tick: takeDue never hands it out early', (t) => {
  const table = new JobTable();
  const job = putLive(table, 'a', 0, oneShot('a', 1000), 10, undefined, false);
  t.is(job?.state, 'waiting');
  t.is(job?.tick, T0 + 1000);
  t.false(job?.progressStored);
  t.is(table.nextDueAt(), T0 + 1000);
  t.is(table.takeDue(T0 + 999), undefined);
  t.is(table.takeDue(T0 + 1000), job);
  t.is(table.takeDue(T0 + 5000), undefined, 'taken once');
});

test('due jobs come out in due order', (t) => {
  const table = new JobTable();
  for (const [name, at] of [
    ['c', 300],
    ['a', 100],
    ['d', 300],
    ['b', 200],
  ] as const) {
    putLive(table, name, 0, oneShot(name, at), 1, undefined);
  }
  const order: string[] = [];
  for (let job = table.takeDue(T0 + 1000); job; job = table.takeDue(T0 + 1000)) order.push(job.name);
  t.deepEqual(order.slice(0, 2), ['a', 'b']);
  t.deepEqual(order.slice(2).sort(), ['c', 'd']);
});

test('the same incarnation keeps its state, so re-listing never re-fires one in flight', (t) => {
  const table = new JobTable();
  const first = putLive(table, 'a', 0, oneShot('a', 0), 7, undefined);
  t.is(table.takeDue(T0), first);
  if (first) first.state = 'inflight';
  const again = putLive(table, 'a', 0, oneShot('a', 0), 7, undefined);
  t.is(again, first);
  t.is(again?.state, 'inflight');
  t.is(table.takeDue(T0 + 10_000), undefined);
});

test('a new incarnation replaces the old one and ignores its progress', (t) => {
  const table = new JobTable();
  const record = normalizeJob('r', { schedule: '@every 1s', repeats: 5 }, T0);
  const old = putLive(table, 'r', 0, record, 5, {
    jobRevision: 5,
    count: 3,
    lastTick: T0 + 3000,
    attempts: 0,
  });
  t.is(old?.tick, T0 + 4000, 'resumes after the stored last tick');
  const fresh = putLive(table, 'r', 0, record, 9, {
    jobRevision: 5,
    count: 3,
    lastTick: T0 + 3000,
    attempts: 0,
  });
  t.not(fresh, old);
  t.false(old !== undefined && table.isCurrent(old));
  t.is(old?.state, 'done');
  t.deepEqual(fresh?.progress, { jobRevision: 9, count: 0, attempts: 0 }, 'count restarts');
  t.is(fresh?.tick, T0 + 1000);
  // The old incarnation's queue entry is stale and skipped.
  t.is(table.takeDue(T0 + 1000), fresh);
  t.is(table.takeDue(T0 + 10_000), undefined);
});

test('a job with no tick left is not added (its owner deletes it)', (t) => {
  const table = new JobTable();
  const record = normalizeJob('done', { schedule: '@every 1s', repeats: 2 }, T0);
  t.is(
    putLive(table, 'done', 0, record, 3, { jobRevision: 3, count: 2, lastTick: T0 + 2000, attempts: 0 }),
    undefined,
  );
  t.is(table.size, 0);
  t.is(table.nextDueAt(), undefined);
});

test('re-enqueueing moves a job: its earlier queue entry no longer counts', (t) => {
  const table = new JobTable();
  const job = putLive(table, 'a', 0, oneShot('a', 100), 1, undefined);
  if (!job) return t.fail();
  table.enqueue(job, T0 + 5000); // e.g. a retry after a failure
  t.is(table.nextDueAt(), T0 + 5000);
  t.is(table.takeDue(T0 + 4999), undefined);
  t.is(table.takeDue(T0 + 5000), job);
});

test('staged triggers wait per target and come back due at once when released', (t) => {
  const table = new JobTable();
  const a = putLive(table, 'a', 0, oneShot('a', 0, 'x'), 1, undefined);
  const b = putLive(table, 'b', 0, oneShot('b', 0, 'y'), 2, undefined);
  putLive(table, 'c', 0, oneShot('c', 0, 'x'), 3, undefined);
  for (let job = table.takeDue(T0); job; job = table.takeDue(T0)) table.stage(job);
  t.is(table.stagedCount(), 3);
  t.is(table.nextDueAt(), undefined, 'staged jobs are not in the queue');
  table.remove(0, 'c');
  t.is(table.stagedCount(), 2);
  t.is(table.releaseStaged('x'), 1, 'only current jobs of that target');
  t.is(table.releaseStaged('x'), 0);
  t.is(table.stagedCount(), 1);
  t.is(a?.state, 'waiting');
  t.is(table.takeDue(T0), a);
  t.is(table.takeDue(T0), undefined, 'b stays staged');
  t.is(b?.state, 'staged');
});

test('removePartition removes only that partition; clear empties everything', (t) => {
  const table = new JobTable();
  putLive(table, 'p0-a', 0, oneShot('p0-a', 0), 1, undefined);
  putLive(table, 'p1-a', 1, oneShot('p1-a', 0), 2, undefined);
  putLive(table, 'p0-b', 0, oneShot('p0-b', 0), 3, undefined);
  t.deepEqual(
    table
      .removePartition(0)
      .map((j) => j.name)
      .sort(),
    ['p0-a', 'p0-b'],
  );
  t.deepEqual(
    table.jobsOf(1).map((j) => j.name),
    ['p1-a'],
  );
  t.is(table.takeDue(T0)?.name, 'p1-a');
  table.clear();
  t.is(table.size, 0);
  t.is(table.nextDueAt(), undefined);
});

test('one name in two partitions is two jobs', (t) => {
  const table = new JobTable();
  const p1 = putLive(table, 'same', 1, oneShot('same', 100), 1, undefined);
  const p2 = putLive(table, 'same', 2, oneShot('same', 200), 2, undefined);
  t.not(p1, p2);
  t.is(table.size, 2);
  t.true(p1 !== undefined && table.isCurrent(p1));
  table.remove(2, 'same');
  t.true(p1 !== undefined && table.isCurrent(p1), 'removing one leaves the other');
  t.is(table.takeDue(T0 + 1000), p1);
  t.is(table.takeDue(T0 + 1000), undefined);
});

// --- Dormant jobs: beyond the horizon only identity and tick stay in memory.

const HORIZON = 60_000;

function recurring(name: string, every: string): JobRecord {
  return normalizeJob(name, { schedule: `@every ${every}`, data: { big: 'x'.repeat(100) } }, T0);
}

test('a job due beyond the horizon is dormant: never handed out to fire, woken half a horizon early', (t) => {
  const clock = new FakeClock(T0);
  const table = new JobTable({ horizonMs: HORIZON });
  const job = put(table, 'far', 3, oneShot('far', HORIZON + 1), 7, undefined, false, clock.now());
  t.true(job instanceof DormantJob);
  t.is(job?.state, 'dormant');
  t.is(job?.tick, T0 + HORIZON + 1);
  t.is(table.size, 1);
  t.is(table.dormantCount, 1);
  t.is(table.nextDueAt(), undefined, 'not in the due-queue');
  t.is(table.takeDue(T0 + 10 * HORIZON), undefined);
  t.is(table.nextWakeAt(), T0 + HORIZON + 1 - HORIZON / 2);
  clock.advanceTo(T0 + HORIZON / 2);
  t.deepEqual(table.takeWaking(clock.now(), 10), [], 'not yet');
  clock.advance(1);
  const waking = table.takeWaking(clock.now(), 10);
  t.deepEqual(waking, [job]);
  t.deepEqual(table.takeWaking(clock.now(), 10), [], 'handed out once');
  t.deepEqual(table.get(3, 'far'), job, 'still in the table while it is read back');
  t.true(job !== undefined && table.isCurrent(job));
});

test('a job due exactly at the horizon is live; with an infinite horizon every job is', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  t.is(put(table, 'edge', 0, oneShot('edge', HORIZON), 1)?.state, 'waiting');
  const unbounded = new JobTable({ horizonMs: Infinity });
  t.is(put(unbounded, 'far', 0, oneShot('far', 1e9), 1)?.state, 'waiting');
  t.is(unbounded.nextWakeAt(), undefined);
});

test('a revived job is live with the dormant progress and fires at its tick, not before', (t) => {
  const clock = new FakeClock(T0);
  const table = new JobTable({ horizonMs: HORIZON });
  const record = recurring('r', '10m');
  const stored = { jobRevision: 4, count: 2, lastTick: T0 + 1_200_000, attempts: 0 };
  clock.advanceTo(T0 + 1_200_000);
  const dormant = put(table, 'r', 1, record, 4, stored, true, clock.now());
  if (!(dormant instanceof DormantJob)) return t.fail('not dormant');
  t.is(dormant.tick, T0 + 1_800_000);
  t.is(dormant.count, 2);
  clock.advanceTo(dormant.tick - HORIZON / 2);
  t.deepEqual(table.takeWaking(clock.now(), 10), [dormant]);
  const revived = table.revive(dormant, record);
  t.truthy(revived);
  t.is(table.get(1, 'r'), revived);
  t.false(table.isCurrent(dormant));
  t.is(table.dormantCount, 0);
  t.is(table.size, 1);
  t.like(revived, { state: 'waiting', tick: T0 + 1_800_000, modRevision: 4, progressStored: true, record });
  t.deepEqual(revived?.progress, { jobRevision: 4, count: 2, lastTick: T0 + 1_200_000, attempts: 0 });
  t.is(table.takeDue(dormant.tick - 1), undefined, 'never early');
  t.is(table.takeDue(dormant.tick), revived);
});

test('a one-shot revived from dormancy has a fresh counter and no progress key', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  const record = oneShot('o', 10 * HORIZON);
  const dormant = put(table, 'o', 0, record, 9, undefined, false);
  if (!(dormant instanceof DormantJob)) return t.fail('not dormant');
  table.takeWaking(T0 + 10 * HORIZON, 10);
  const revived = table.revive(dormant, record);
  t.deepEqual(revived?.progress, { jobRevision: 9, count: 0, attempts: 0 });
  t.false(revived?.progressStored);
});

test('a dormant job replaced, removed or handed over while read back is not revived', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  const record = oneShot('a', 2 * HORIZON);
  const a = put(table, 'a', 0, record, 1);
  const b = put(table, 'b', 0, oneShot('b', 2 * HORIZON), 2);
  const c = put(table, 'c', 1, oneShot('c', 2 * HORIZON), 3);
  t.is(table.takeWaking(T0 + 2 * HORIZON, 10).length, 3);
  // a: overwritten (the watch event's new incarnation, also dormant); b: deleted; c: partition released.
  const a2 = put(table, 'a', 0, oneShot('a', 5 * HORIZON), 8);
  table.remove(0, 'b');
  table.removePartition(1);
  for (const job of [a, b, c]) {
    if (!(job instanceof DormantJob)) return t.fail('not dormant');
    t.is(table.revive(job, record), undefined);
  }
  t.deepEqual(table.get(0, 'a'), a2);
  t.is(table.size, 1);
  t.is(table.dormantCount, 1);
  t.is(table.nextDueAt(), undefined, 'nothing live');
});

test('re-listing a dormant job keeps it; a new incarnation replaces it', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  const first = put(table, 'a', 0, oneShot('a', 2 * HORIZON), 5);
  t.deepEqual(put(table, 'a', 0, oneShot('a', 2 * HORIZON), 5), first, 'same revision: same entry');
  t.is(table.dormantCount, 1, 'kept, not added twice');
  // An overwrite due soon is live at once; the old dormant entry no longer wakes.
  const soon = putLive(table, 'a', 0, oneShot('a', 1000), 6);
  t.is(soon?.state, 'waiting');
  t.false(first !== undefined && table.isCurrent(first));
  t.is(table.dormantCount, 0);
  t.is(table.nextWakeAt(), undefined);
  t.deepEqual(table.takeWaking(T0 + 10 * HORIZON, 10), []);
  t.is(table.takeDue(T0 + 1000), soon);
});

test('a job whose read failed goes back to sleep and is handed out again', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  const job = put(table, 'a', 0, oneShot('a', 2 * HORIZON), 1);
  put(table, 'gone', 0, oneShot('gone', 2 * HORIZON), 2);
  const taken = table.takeWaking(T0 + 2 * HORIZON, 10);
  t.is(taken.length, 2);
  table.remove(0, 'gone');
  for (const j of taken) table.sleep(j);
  t.deepEqual(table.takeWaking(T0 + 2 * HORIZON, 10), [job], 'a removed job is not put back');
});

test('takeWaking hands out at most the batch size, earliest first', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  for (let i = 0; i < 5; i++) put(table, `j${i}`, 0, oneShot(`j${i}`, 2 * HORIZON + (5 - i) * 1000), i + 1);
  const first = table.takeWaking(T0 + 10 * HORIZON, 2).map((j) => j.name);
  t.deepEqual(first, ['j4', 'j3']);
  t.deepEqual(
    table.takeWaking(T0 + 10 * HORIZON, 10).map((j) => j.name),
    ['j2', 'j1', 'j0'],
  );
});

test('after a tick, a recurring job whose next tick is beyond the horizon goes dormant', (t) => {
  const clock = new FakeClock(T0);
  const table = new JobTable({ horizonMs: HORIZON });
  const hourly = put(
    table,
    'h',
    0,
    normalizeJob('h', { schedule: '@every 1h', dueTime: new Date(T0) }, T0),
    3,
  );
  if (!hourly || hourly.state === 'dormant') return t.fail('not live');
  t.is(table.takeDue(clock.now()), hourly);
  hourly.state = 'inflight';
  // The loop records the tick, then requeues.
  hourly.progress = { jobRevision: 3, count: 1, lastTick: T0, attempts: 0 };
  hourly.tick = T0 + 3_600_000;
  hourly.progressStored = true;
  clock.advance(20);
  t.true(table.requeue(hourly, clock.now()));
  t.false(table.isCurrent(hourly), 'the live object is retired');
  const dormant = table.get(0, 'h');
  t.true(dormant instanceof DormantJob);
  t.like(dormant, { tick: T0 + 3_600_000, count: 1, lastTick: T0, progressStored: true, modRevision: 3 });
  t.is(table.nextDueAt(), undefined);

  // A near tick is queued as before.
  const fast = put(table, 'f', 0, recurring('f', '10s'), 4);
  if (!fast || fast.state === 'dormant') return t.fail('not live');
  t.is(table.takeDue(T0 + 10_000), fast);
  fast.progress = { jobRevision: 4, count: 1, lastTick: T0 + 10_000, attempts: 0 };
  fast.tick = T0 + 20_000;
  t.false(table.requeue(fast, T0 + 10_000));
  t.is(table.takeDue(T0 + 20_000), fast);
});

test('a tick being retried is never dormant, however far its stored counter says it is', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  const record = oneShot('retry', 5 * HORIZON);
  const job = put(table, 'retry', 0, record, 2, { jobRevision: 2, count: 0, attempts: 1 });
  t.is(job?.state, 'waiting');
});

test('clear and removePartition drop dormant jobs with the rest', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  put(table, 'a', 0, oneShot('a', 2 * HORIZON), 1);
  put(table, 'b', 1, oneShot('b', 2 * HORIZON), 2);
  put(table, 'c', 1, oneShot('c', 1000), 3);
  t.is(table.removePartition(0).length, 1);
  t.is(table.dormantCount, 1);
  t.deepEqual(
    table.takeWaking(T0 + 2 * HORIZON, 10).map((j) => j.name),
    ['b'],
  );
  table.clear();
  t.is(table.size, 0);
  t.is(table.dormantCount, 0);
  t.is(table.nextWakeAt(), undefined);
});

test('many overwrites of dormant jobs: only current incarnations wake', (t) => {
  const table = new JobTable({ horizonMs: HORIZON });
  let revision = 1;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 1000; i++) {
      put(table, `j${i}`, i % 4, oneShot(`j${i}`, 2 * HORIZON + round * 1000 + i), revision++);
    }
  }
  t.is(table.size, 1000);
  t.is(table.dormantCount, 1000);
  const woken = table.takeWaking(T0 + 100 * HORIZON, 10_000);
  t.is(woken.length, 1000);
  t.true(woken.every((j) => table.isCurrent(j) && j.tick >= T0 + 2 * HORIZON + 4000));
});

test('expedite brings picked one-shot jobs of a target forward to now, and nothing else', (t) => {
  const table = new JobTable();
  const withData = (name: string, target: string, runner: string): JobRecord =>
    normalizeJob(name, { dueTime: new Date(T0 + 30_000), target, data: { r: runner } }, T0);
  const gone = putLive(table, 'gone', 0, withData('gone', 'act', 'dead'), 1);
  const alive = putLive(table, 'alive', 0, withData('alive', 'act', 'live'), 2);
  const other = putLive(table, 'other', 1, withData('other', 'timer', 'dead'), 3);
  const cron = putLive(
    table,
    'cron',
    1,
    normalizeJob('cron', { schedule: '@every 30s', target: 'act', data: { r: 'dead' } }, T0),
    4,
  );
  const far = put(
    table,
    'far',
    1,
    normalizeJob('far', { dueTime: new Date(T0 + 3_600_000), target: 'act', data: { r: 'dead' } }, T0),
    5,
  );
  t.is(far?.state, 'dormant');
  const pick = (data: JobRecord['data']): boolean =>
    typeof data === 'object' && data !== null && !Array.isArray(data) && data['r'] === 'dead';

  t.is(table.expedite('act', pick, T0 + 1_000, [1]), 0, 'only the partitions asked for');
  t.is(table.expedite('act', pick, T0 + 1_000), 1);
  t.is(table.takeDue(T0 + 1_000), gone, 'due now');
  t.is(gone?.tick, T0 + 1_000, 'its tick is now: never delivered before the time it says');
  t.is(table.takeDue(T0 + 1_000), undefined, 'the rest keep their time');
  t.is(table.expedite('act', pick, T0 + 2_000), 0, 'a job in flight is not brought forward twice');
  t.is(alive?.tick, T0 + 30_000);
  t.is(other?.tick, T0 + 30_000);
  t.is(cron?.state, 'waiting');
  t.is(table.takeDue(T0 + 30_000)?.name, 'alive');
});

test('jobs of a live target stay in full however far ahead, so expedite sees them', (t) => {
  const table = new JobTable({ liveTargets: new Set(['act']) });
  const far = (name: string, target: string): JobRecord =>
    normalizeJob(name, { dueTime: new Date(T0 + 3_600_000), target, data: { r: 'dead' } }, T0);
  t.is(put(table, 'fallback', 0, far('fallback', 'act'), 1)?.state, 'waiting');
  t.is(put(table, 'timer', 0, far('timer', 'timer'), 2)?.state, 'dormant', 'other targets still sleep');
  t.is(
    table.expedite('act', () => true, T0 + 1_000),
    1,
  );
  t.is(table.takeDue(T0 + 1_000)?.name, 'fallback');
});
