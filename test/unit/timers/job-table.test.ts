/**
 * JobTable: the owner's in-memory bookkeeping of jobs, due-queue and staged triggers. Pure, so
 * time is just numbers passed in.
 */
import test from 'ava';
import { JobTable } from '../../../src/timers/job-table.js';
import type { JobRecord } from '../../../src/timers/job.js';
import { normalizeJob } from '../../../src/timers/validate-job.js';

const T0 = Date.UTC(2026, 0, 1);

function oneShot(name: string, dueInMs: number, target = 'app'): JobRecord {
  return normalizeJob(name, { dueTime: new Date(T0 + dueInMs), target }, T0);
}

test('a job waits until its tick: takeDue never hands it out early', (t) => {
  const table = new JobTable();
  const job = table.upsert('a', 0, oneShot('a', 1000), 10, undefined, false);
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
    table.upsert(name, 0, oneShot(name, at), 1, undefined);
  }
  const order: string[] = [];
  for (let job = table.takeDue(T0 + 1000); job; job = table.takeDue(T0 + 1000)) order.push(job.name);
  t.deepEqual(order.slice(0, 2), ['a', 'b']);
  t.deepEqual(order.slice(2).sort(), ['c', 'd']);
});

test('the same incarnation keeps its state, so re-listing never re-fires one in flight', (t) => {
  const table = new JobTable();
  const first = table.upsert('a', 0, oneShot('a', 0), 7, undefined);
  t.is(table.takeDue(T0), first);
  if (first) first.state = 'inflight';
  const again = table.upsert('a', 0, oneShot('a', 0), 7, undefined);
  t.is(again, first);
  t.is(again?.state, 'inflight');
  t.is(table.takeDue(T0 + 10_000), undefined);
});

test('a new incarnation replaces the old one and ignores its progress', (t) => {
  const table = new JobTable();
  const record = normalizeJob('r', { schedule: '@every 1s', repeats: 5 }, T0);
  const old = table.upsert('r', 0, record, 5, { jobRevision: 5, count: 3, lastTick: T0 + 3000, attempts: 0 });
  t.is(old?.tick, T0 + 4000, 'resumes after the stored last tick');
  const fresh = table.upsert('r', 0, record, 9, {
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
    table.upsert('done', 0, record, 3, { jobRevision: 3, count: 2, lastTick: T0 + 2000, attempts: 0 }),
    undefined,
  );
  t.is(table.size, 0);
  t.is(table.nextDueAt(), undefined);
});

test('re-enqueueing moves a job: its earlier queue entry no longer counts', (t) => {
  const table = new JobTable();
  const job = table.upsert('a', 0, oneShot('a', 100), 1, undefined);
  if (!job) return t.fail();
  table.enqueue(job, T0 + 5000); // e.g. a retry after a failure
  t.is(table.nextDueAt(), T0 + 5000);
  t.is(table.takeDue(T0 + 4999), undefined);
  t.is(table.takeDue(T0 + 5000), job);
});

test('staged triggers wait per target and come back due at once when released', (t) => {
  const table = new JobTable();
  const a = table.upsert('a', 0, oneShot('a', 0, 'x'), 1, undefined);
  const b = table.upsert('b', 0, oneShot('b', 0, 'y'), 2, undefined);
  table.upsert('c', 0, oneShot('c', 0, 'x'), 3, undefined);
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
  table.upsert('p0-a', 0, oneShot('p0-a', 0), 1, undefined);
  table.upsert('p1-a', 1, oneShot('p1-a', 0), 2, undefined);
  table.upsert('p0-b', 0, oneShot('p0-b', 0), 3, undefined);
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
  const p1 = table.upsert('same', 1, oneShot('same', 100), 1, undefined);
  const p2 = table.upsert('same', 2, oneShot('same', 200), 2, undefined);
  t.not(p1, p2);
  t.is(table.size, 2);
  t.true(p1 !== undefined && table.isCurrent(p1));
  table.remove(2, 'same');
  t.true(p1 !== undefined && table.isCurrent(p1), 'removing one leaves the other');
  t.is(table.takeDue(T0 + 1000), p1);
  t.is(table.takeDue(T0 + 1000), undefined);
});
