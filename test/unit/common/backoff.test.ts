import test from 'ava';
import { backoffDelay, retryWithBackoff, sleep } from '../../../src/common/backoff.js';
import { FakeClock } from '../../../src/common/fake-clock.js';

/** Lets pending promise callbacks run (the loop awaits between clock steps). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

test('backoffDelay doubles from firstMs up to maxMs; jitter draws within the share', (t) => {
  const policy = { firstMs: 100, maxMs: 1_000 };
  t.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n)),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  t.is(backoffDelay({ ...policy, factor: 3 }, 3), 900);
  const jittered = { ...policy, jitter: 0.5 };
  t.is(
    backoffDelay(jittered, 2, () => 0),
    100,
    'half the pause at the lowest draw',
  );
  t.is(
    backoffDelay(jittered, 2, () => 1),
    200,
    'the whole pause at the highest',
  );
});

test('sleep follows the injected clock and ends early on abort', async (t) => {
  const clock = new FakeClock(0);
  let woke = false;
  const sleeping = sleep(clock, 500).then(() => (woke = true));
  clock.advance(499);
  await settle();
  t.false(woke, 'not before its time');
  clock.advance(1);
  await sleeping;
  t.true(woke);

  const abort = new AbortController();
  const aborted = sleep(clock, 10_000, abort.signal);
  abort.abort();
  await aborted;
  t.is(clock.nextDue(), undefined, 'an aborted sleep leaves nothing scheduled');
});

test('retryWithBackoff pauses by the policy on the clock, reports each failure, and returns the result', async (t) => {
  const clock = new FakeClock(0);
  const attemptsAt: number[] = [];
  const reported: Array<[number, number]> = [];
  const result = retryWithBackoff(
    async () => {
      attemptsAt.push(clock.now());
      if (attemptsAt.length < 4) throw new Error(`failure ${attemptsAt.length}`);
      return 'done';
    },
    {
      clock,
      policy: { firstMs: 100, maxMs: 250 },
      onFailure: (_error, failures, delayMs) => void reported.push([failures, delayMs]),
    },
  );
  for (let i = 0; i < 3; i++) {
    await settle();
    clock.advanceTo(clock.nextDue() ?? clock.now());
  }
  t.is(await result, 'done');
  t.deepEqual(attemptsAt, [0, 100, 300, 550]);
  t.deepEqual(reported, [
    [1, 100],
    [2, 200],
    [3, 250],
  ]);
});

test('retryWithBackoff ends with undefined once inactive, and rethrows when onFailure says so', async (t) => {
  const clock = new FakeClock(0);
  let active = true;
  let attempts = 0;
  const stopped = retryWithBackoff(
    async () => {
      attempts++;
      throw new Error('down');
    },
    { clock, policy: { firstMs: 100, maxMs: 100 }, active: () => active },
  );
  await settle();
  active = false;
  clock.advance(100);
  t.is(await stopped, undefined);
  t.is(attempts, 1, 'no attempt after it turned inactive');

  const permanent = new Error('cannot be fixed by trying again');
  await t.throwsAsync(
    retryWithBackoff(
      async () => {
        throw permanent;
      },
      { clock, policy: { firstMs: 100, maxMs: 100 }, onFailure: () => false },
    ),
    { is: permanent },
  );
});

test('the first attempt always runs; aborting the signal ends the pause and active() decides', async (t) => {
  const clock = new FakeClock(0);
  let attempts = 0;
  let active = false;
  const stop = new AbortController();
  const done = retryWithBackoff(
    async () => {
      attempts++;
      if (attempts === 1) active = true;
      throw new Error('down');
    },
    { clock, policy: { firstMs: 60_000, maxMs: 60_000 }, active: () => active, signal: stop.signal },
  );
  await settle();
  t.is(attempts, 1, 'ran although active() was false before it');
  active = false;
  stop.abort();
  t.is(await done, undefined, 'gave up without waiting the minute');
  t.is(attempts, 1);
});
