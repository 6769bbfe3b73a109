import test from 'ava';
import { CoalescedWarnings } from '../../../src/common/coalesced-warnings.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { RepeatedWarning, WarningCoalescer } from '../../../src/common/warning-coalescer.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';

const refused = (port: number): StoreUnavailableError =>
  new StoreUnavailableError(
    'txn',
    `No connection established. Last error: connect ECONNREFUSED 127.0.0.1:${port}`,
  );

test('the first warning of a kind is reported at once, the rest of the interval only counted', (t) => {
  const c = new WarningCoalescer({ intervalMs: 5_000 });
  const first = refused(2379);
  t.deepEqual(c.offer(first, 0), [first]);
  for (let i = 1; i <= 412; i++) t.deepEqual(c.offer(refused(2379), i * 10), []);
  t.is(c.nextFlushAt(), 5_000);
  t.deepEqual(c.flush(4_999), [], 'nothing owed before the interval ends');

  const [summary, ...more] = c.flush(5_000);
  t.deepEqual(more, []);
  t.true(summary instanceof RepeatedWarning);
  t.is(summary?.repeated, 412);
  t.is(summary?.periodMs, 5_000);
  t.regex(
    summary?.message ?? '',
    /^etcd txn failed: .*ECONNREFUSED.* \(repeated 412 times in the last 5 s\)$/,
  );
  t.true(summary?.cause instanceof StoreUnavailableError, 'the latest held-back warning is the cause');
});

test('a fault that goes on yields one count per interval; once it stops, the next one is reported at once', (t) => {
  const c = new WarningCoalescer({ intervalMs: 1_000 });
  let reported = 0;
  let counted = 0;
  // One warning every 10 ms for 10 s: 1,000 warnings.
  for (let now = 0; now < 10_000; now += 10) {
    for (const summary of c.flush(now)) counted += summary.repeated;
    reported += c.offer(refused(2379), now).length;
  }
  for (const summary of c.flush(10_000)) counted += summary.repeated;
  t.is(reported, 1, 'only the very first is reported as itself');
  t.is(counted, 999, 'every other one is in a count');
  t.deepEqual(c.flush(11_000), [], 'nothing held back: nothing owed');

  const after = refused(2379);
  t.deepEqual(c.offer(after, 12_000), [after], 'after a quiet interval the next one is a first again');
});

test('warnings differing only in numbers are one kind; other messages or names are not', (t) => {
  const c = new WarningCoalescer();
  t.is(c.offer(new Error('Deadline exceeded after 5.001s, remote 127.0.0.1:2379'), 0).length, 1);
  t.is(c.offer(new Error('Deadline exceeded after 5.123s, remote 127.0.0.1:2380'), 1).length, 0);
  t.is(c.offer(new Error('etcd host cooling down after failures'), 2).length, 1);
  const typed = new TypeError('Deadline exceeded after 5.001s, remote 127.0.0.1:2379');
  t.deepEqual(c.offer(typed, 3), [typed], 'another error name is another kind');
});

test('a late flush still reports the count before counting anew', (t) => {
  const c = new WarningCoalescer({ intervalMs: 1_000 });
  c.offer(new Error('x'), 0);
  c.offer(new Error('x'), 500);
  const late = c.offer(new Error('x'), 3_000);
  t.is(late.length, 1);
  t.true(late[0] instanceof RepeatedWarning);
  t.is((late[0] as RepeatedWarning).repeated, 1);
  t.regex(late[0]?.message ?? '', /repeated once in the last 3 s/);
  t.is(c.nextFlushAt(), 4_000, 'the one that came late is counted in the new interval');
  t.is(c.flush(4_000)[0]?.repeated, 1);
});

test('past maxKinds new kinds pass through, and kinds that went quiet are forgotten', (t) => {
  const c = new WarningCoalescer({ intervalMs: 1_000, maxKinds: 2 });
  c.offer(new Error('a'), 0);
  c.offer(new Error('b'), 0);
  t.is(c.offer(new Error('c'), 10).length, 1);
  t.is(c.offer(new Error('c'), 20).length, 1, 'untracked: not coalesced');
  t.is(c.offer(new Error('d'), 1_000).length, 1, 'a and b went quiet and make room');
  t.is(c.offer(new Error('d'), 1_010).length, 0, 'd is tracked now');
});

test('drain reports every count owed at once and forgets every kind', (t) => {
  const c = new WarningCoalescer({ intervalMs: 5_000 });
  c.offer(new Error('a'), 0);
  c.offer(new Error('a'), 1);
  c.offer(new Error('a'), 2);
  c.offer(new Error('b'), 3);
  const owed = c.drain(1_000);
  t.deepEqual(
    owed.map((w) => [w.message, w.repeated]),
    [['a (repeated 2 times in the last 1 s)', 2]],
  );
  t.is(c.nextFlushAt(), undefined);
  t.is(c.offer(new Error('a'), 1_001).length, 1);
});

test('bad options are refused with the field, the value and what is allowed', (t) => {
  t.throws(() => new WarningCoalescer({ intervalMs: 0 }), {
    instanceOf: RangeError,
    message: 'invalid intervalMs: 0; allowed: a number of milliseconds > 0',
  });
  t.throws(() => new WarningCoalescer({ maxKinds: 1.5 }), { message: /invalid maxKinds: 1\.5/ });
});

test('CoalescedWarnings reports counts on its clock, arms nothing while quiet, and flushes on stop', (t) => {
  const clock = new FakeClock(0);
  const emitted: Error[] = [];
  const warnings = new CoalescedWarnings({ clock, emit: (e) => emitted.push(e), intervalMs: 5_000 });
  warnings.report(new Error('etcd down'));
  t.is(emitted.length, 1);
  t.is(clock.nextDue(), undefined, 'a single warning schedules nothing');

  for (let i = 0; i < 100; i++) warnings.report(new Error('etcd down'));
  t.is(clock.nextDue(), 5_000);
  clock.advance(4_999);
  t.is(emitted.length, 1);
  clock.advance(1);
  t.is(emitted.length, 2);
  t.is((emitted[1] as RepeatedWarning).repeated, 100);
  t.is(clock.nextDue(), undefined, 'nothing held back since: no timer');

  warnings.report(new Error('etcd down'));
  t.is(clock.nextDue(), 10_000);
  warnings.flush();
  t.is(emitted.length, 3, 'stopping reports what was still held back');
  t.is(clock.nextDue(), undefined, 'and disarms the timer');
});
