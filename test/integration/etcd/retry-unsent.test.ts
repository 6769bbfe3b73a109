import test from 'ava';
import { GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import { ConnectionPool } from 'etcd3/lib/connection-pool.js';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import { toStoreError } from '../../../src/etcd/etcd-error.js';
import { HostCoolingDownError, hostBreaker } from '../../../src/etcd/host-breaker.js';
import { backoffMs, notApplied, retryUnsent } from '../../../src/etcd/retry-unsent.js';

// No I/O: the policies alone, and inside etcd3's own connection pool (whose grpc clients are
// created but never called). They decide whether and when etcd3 may re-send a request.

/** Lets `work` run on the fake clock: moves time to each wait it schedules until it settles. */
async function onClock<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = work.finally(() => (settled = true));
  for (let turns = 0; turns < 1_000; turns++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) return tracked;
    const next = clock.nextDue();
    if (next !== undefined) clock.advanceTo(next);
  }
  throw new Error('the work neither settled nor scheduled anything on the clock');
}

const refused = (): Error =>
  new GRPCUnavailableError('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED');

test('re-sends requests that never reached etcd, and none whose outcome is unknown', async (t) => {
  const clock = new FakeClock(0);
  const policy = retryUnsent({ clock });
  let calls = 0;
  const refusedTwice = await onClock(
    clock,
    policy.execute(() => {
      if (++calls < 3) throw refused();
      return 'ok';
    }),
  );
  t.is(refusedTwice, 'ok');
  t.is(calls, 3);

  // Each of these can follow a proposal that etcd committed: re-sending a guarded txn would then
  // fail its own guard and answer `succeeded: false` for a write that happened.
  for (const message of [
    '4 DEADLINE_EXCEEDED: Deadline exceeded after 5.001s',
    '14 UNAVAILABLE: Connection dropped',
    '14 UNAVAILABLE: read ECONNRESET',
    '14 UNAVAILABLE: etcdserver: leader changed',
    '14 UNAVAILABLE: etcdserver: request timed out',
    '14 UNAVAILABLE: etcdserver: request timed out, possibly due to previous leader failure',
    '14 UNAVAILABLE: etcdserver: server stopped',
  ]) {
    calls = 0;
    await t.throwsAsync(
      onClock(
        clock,
        policy.execute(() => {
          calls++;
          throw new Error(message);
        }),
      ),
      { message },
    );
    t.is(calls, 1, `sent once: ${message}`);
    t.false(notApplied(new Error(message)));
    const converted = toStoreError(new GRPCUnavailableError(message), 'txn');
    t.true(converted instanceof StoreUnavailableError && converted.outcomeUnknown, message);
  }
});

test('refusals etcd makes before raft sees the request are re-sent', async (t) => {
  const clock = new FakeClock(0);
  const policy = retryUnsent({ clock });
  for (const message of [
    '14 UNAVAILABLE: etcdserver: no leader',
    '8 RESOURCE_EXHAUSTED: etcdserver: too many requests',
    '14 UNAVAILABLE: etcdserver: not capable',
    '14 UNAVAILABLE: etcdserver: rpc not supported for learner',
    '2 UNKNOWN: raft proposal dropped',
  ]) {
    let calls = 0;
    const result = await onClock(
      clock,
      policy.execute(() => {
        if (++calls < 4) throw new Error(message);
        return calls;
      }),
    );
    t.is(result, 4, message);
    const converted = toStoreError(new GRPCUnavailableError(message), 'txn');
    t.true(converted instanceof StoreUnavailableError && !converted.outcomeUnknown, message);
  }
});

test('backs off between attempts and gives up at the deadline with the last error', async (t) => {
  const clock = new FakeClock(0);
  const policy = retryUnsent({ clock, deadlineMs: 5_000 });
  const at: number[] = [];
  const error = await t.throwsAsync(
    onClock(
      clock,
      policy.execute(() => {
        at.push(clock.now());
        throw new Error(`connect ECONNREFUSED (attempt ${at.length})`);
      }),
    ),
  );
  t.is(error?.message, `connect ECONNREFUSED (attempt ${at.length})`);
  t.is(at[1], 0, 'the second attempt goes out at once (to the next host)');
  const gaps = at.slice(1).map((time, i) => time - (at[i] ?? 0));
  t.log(`attempts at ${at.join(', ')} ms`);
  t.true(at.length > 5, 'kept trying for the whole deadline');
  t.true(
    gaps.slice(1, -1).every((gap, i) => gap > 0 && gap <= 1_000 && gap >= (gaps[i] ?? 0) / 2),
    `gaps grow and stay within a second: ${gaps.join(', ')}`,
  );
  t.is(at.at(-1), 5_000, 'the last attempt is made at the deadline, not after');

  const never = retryUnsent({ clock, deadlineMs: 0 });
  let calls = 0;
  await t.throwsAsync(
    never.execute(() => {
      calls++;
      throw refused();
    }),
  );
  t.is(calls, 1, 'deadlineMs 0 turns retries off');
});

test('backoff starts at zero, doubles with jitter, and is capped at a second', (t) => {
  t.is(backoffMs(1), 0);
  for (let attempt = 2; attempt < 20; attempt++) {
    const low = backoffMs(attempt, () => 0);
    const high = backoffMs(attempt, () => 0.999);
    t.true(low > 0 && low <= high && high <= 1_000);
    t.true(backoffMs(attempt + 1, () => 0) >= low);
  }
});

/**
 * etcd3's real connection pool over three hosts, with tickflow's breakers, on a fake clock. Its
 * host order is made deterministic (a static switch, hence serial tests): each call starts at the
 * same host and moves on only when that one is resting.
 */
function pool(
  clock: FakeClock,
  deadlineMs = 5_000,
): { pool: ConnectionPool; policy: ReturnType<typeof retryUnsent> } {
  const policy = retryUnsent({ clock, deadlineMs });
  ConnectionPool.deterministicOrder = true;
  const p = new ConnectionPool({
    hosts: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'],
    faultHandling: { host: hostBreaker(1_000, clock), global: policy },
  });
  return { pool: p, policy };
}

const hostOf = (resource: unknown): string => (resource as { host: string }).host;

test.serial(
  'when every host is cooling down, a request waits for the first to reopen instead of failing',
  async (t) => {
    const clock = new FakeClock(0);
    const { pool: p, policy } = pool(clock);
    t.teardown(() => {
      p.close();
      ConnectionPool.deterministicOrder = false;
    });
    // Every member unreachable: three transport failures put each host to rest for a second.
    const opened: string[] = [];
    for (let i = 0; i < 9; i++) {
      await p
        .withConnection('KV', ({ resource }) => {
          opened.push(hostOf(resource));
          throw refused();
        })
        .catch(() => undefined);
      clock.advance(10);
    }
    t.is(new Set(opened).size, 3, 'each host failed');
    const allResting = await p.withConnection('KV', () => 'called').catch((e: unknown) => e);
    t.true(allResting instanceof HostCoolingDownError, 'etcd3 gives up when every host rests');
    const firstReopens = (allResting as HostCoolingDownError).retryAt;
    t.true(firstReopens > clock.now());

    // A member is back; the request made now waits for the first host to reopen and goes through.
    const calledAt: number[] = [];
    const answer = await onClock(
      clock,
      policy.execute(() =>
        p.withConnection('KV', () => {
          calledAt.push(clock.now());
          return 'stored';
        }),
      ),
    );
    t.is(answer, 'stored');
    t.deepEqual(calledAt, [firstReopens], 'sent once, as soon as a host reopened');
  },
);

test.serial(
  'a cool-down longer than the deadline fails at once, as a request that was not applied',
  async (t) => {
    const clock = new FakeClock(0);
    const { pool: p, policy } = pool(clock, 500);
    t.teardown(() => {
      p.close();
      ConnectionPool.deterministicOrder = false;
    });
    for (let i = 0; i < 9; i++) {
      await p
        .withConnection('KV', () => {
          throw refused();
        })
        .catch(() => undefined);
    }
    const before = clock.now();
    const error = await policy.execute(() => p.withConnection('KV', () => 'called')).catch((e: unknown) => e);
    t.true(error instanceof HostCoolingDownError);
    t.is(clock.now(), before, 'no waiting for a host that reopens after the deadline');
    const converted = toStoreError(error, 'txn');
    t.true(converted instanceof StoreUnavailableError && !converted.outcomeUnknown);
  },
);

test.serial('answers from etcd and deadlines never put a host to rest', async (t) => {
  const clock = new FakeClock(0);
  const { pool: p } = pool(clock);
  t.teardown(() => {
    p.close();
    ConnectionPool.deterministicOrder = false;
  });
  const failures = [
    () => new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: no leader'),
    () => new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: leader changed'),
    () => new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded'),
  ];
  const called: string[] = [];
  for (const failure of failures) {
    for (let i = 0; i < 5; i++) {
      await p
        .withConnection('KV', ({ resource }) => {
          called.push(hostOf(resource));
          throw failure();
        })
        .catch(() => undefined);
    }
  }
  // Deterministic order starts every call at the same host: it was never skipped.
  t.is(new Set(called).size, 1);
  t.is(called.length, 15);
});
