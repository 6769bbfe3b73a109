import test from 'ava';
import { SkippingClock } from '../../../src/testing/skipping-clock.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a callback due now runs on its own, later, and time stays put', async (t) => {
  const clock = new SkippingClock(1000);
  const ran: number[] = [];
  clock.schedule(1000, () => ran.push(clock.now()));
  clock.schedule(500, () => ran.push(clock.now()));
  t.deepEqual(ran, [], 'never inside schedule(): callers keep the cancel function first');
  t.true(clock.hasDueNow());
  await turn();
  t.deepEqual(ran, [1000, 1000]);
  t.is(clock.now(), 1000);
  t.false(clock.hasDueNow());
});

test('a future callback waits for the clock to be moved; a cancelled one never runs', async (t) => {
  const clock = new SkippingClock(0);
  const ran: string[] = [];
  clock.schedule(60_000, () => ran.push('later'));
  const cancel = clock.schedule(0, () => ran.push('cancelled'));
  cancel();
  await turn();
  t.deepEqual(ran, []);
  t.is(clock.nextDue(), 60_000);
  clock.advanceTo(60_000);
  t.deepEqual(ran, ['later']);
});

test('schedule listeners hear every schedule until they unsubscribe', (t) => {
  const clock = new SkippingClock(0);
  let heard = 0;
  const off = clock.onSchedule(() => heard++);
  clock.schedule(10, () => undefined);
  clock.schedule(20, () => undefined);
  off();
  clock.schedule(30, () => undefined);
  t.is(heard, 2);
});
