import test from 'ava';
import type { Clock } from '../../../src/common/clock.js';
import { EarliestAlarm } from '../../../src/common/earliest-alarm.js';
import { FakeClock } from '../../../src/common/fake-clock.js';

test('keeps the earliest time asked for, with one pending callback', (t) => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  const alarm = new EarliestAlarm(clock, () => fired.push(clock.now()));
  alarm.arm(100);
  alarm.arm(200); // later: no change
  t.is(clock.nextDue(), 100);
  alarm.arm(50); // earlier: re-armed, the 100 callback cancelled
  t.is(clock.nextDue(), 50);
  clock.advanceTo(1_000);
  t.deepEqual(fired, [50]);
  t.is(clock.nextDue(), undefined);
});

test('once fired it can be armed again, for any time; disarm cancels', (t) => {
  const clock = new FakeClock(0);
  const fired: number[] = [];
  const alarm = new EarliestAlarm(clock, () => fired.push(clock.now()));
  alarm.arm(10);
  clock.advanceTo(10);
  alarm.arm(500);
  alarm.disarm();
  t.is(clock.nextDue(), undefined);
  alarm.arm(30);
  clock.advanceTo(1_000);
  t.deepEqual(fired, [10, 30]);
});

test('a clock that calls back at once, with the callback arming again, keeps only the live arming', (t) => {
  // A clock that runs callbacks for past times synchronously (as a real one may for 0 delay).
  const inner = new FakeClock(1_000);
  const eager: Clock = {
    now: () => inner.now(),
    schedule: (at, fn) => {
      if (at <= inner.now()) {
        fn();
        return () => t.fail('a callback that already ran must not be cancelled');
      }
      return inner.schedule(at, fn);
    },
  };
  const fired: number[] = [];
  const alarm = new EarliestAlarm(eager, () => {
    fired.push(inner.now());
    if (fired.length === 1) alarm.arm(1_500); // the callback arms the next wake-up itself
  });
  alarm.arm(900); // already past: runs at once, and arms 1,500 from inside
  t.deepEqual(fired, [1_000]);
  t.is(inner.nextDue(), 1_500);
  alarm.arm(2_000); // later than the live arming: no change
  t.is(inner.nextDue(), 1_500);
  alarm.disarm();
  t.is(inner.nextDue(), undefined, 'disarm cancels the arming made inside the callback');
});
