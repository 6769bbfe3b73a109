/**
 * A timer service replica whose job writes etcd refuses for a while (MemoryKv with a FakeClock):
 * every in-flight trigger retries its completion commit every 250 ms, and each failure is a
 * warning. The service reports them coalesced: the first at once, then one count per 5 s.
 */
import test from 'ava';
import { FakeClock } from '../../../src/common/fake-clock.js';
import { RepeatedWarning } from '../../../src/common/warning-coalescer.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';
import { MemoryKv } from '../../../src/etcd/memory-kv.js';
import { TimerService } from '../../../src/timers/timer-service.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { memorySteps } from '../../helpers/memory-steps.js';

const T0 = Date.UTC(2026, 0, 1);
const PARTITIONS = 4;
const OUTAGE_MS = 20_000;

test('an outage of job writes yields a bounded number of warnings that count every failure', async (t) => {
  const clock = new FakeClock(T0);
  const kv = new MemoryKv({ clock });
  const service = new TimerService({ kv, clock, partitions: PARTITIONS });
  const warnings: Error[] = [];
  service.on('warning', (error) => warnings.push(error));
  let fired = 0;
  service.onTrigger('app', () => {
    fired++;
    return 'success';
  });
  await service.start();
  await waitFor(() => service.ownedPartitions().length === PARTITIONS, { what: 'all partitions owned' });
  const { advanceTo } = memorySteps(kv, clock);
  const JOBS = 50;
  await service.scheduleMany(
    Array.from({ length: JOBS }, (_, i) => ({ name: `j${i}`, spec: { dueTime: new Date(T0 + 10) } })),
  );

  // etcd refuses job writes: each refused txn fails every commit batched into it (one guard each).
  const realTxn = kv.txn.bind(kv);
  let failedCommits = 0;
  kv.txn = async (guards, ops) => {
    if (ops.some((op) => op.op !== 'deletePrefix' && op.key.includes('/timers/jobs/'))) {
      failedCommits += guards.length;
      throw new StoreUnavailableError('txn', 'No connection established. Last error: connect ECONNREFUSED');
    }
    return realTxn(guards, ops);
  };
  await advanceTo(T0 + 10 + OUTAGE_MS);
  const duringOutage = warnings.length;
  kv.txn = realTxn;
  await advanceTo(T0 + 10 + OUTAGE_MS + 1_000);
  t.deepEqual(await service.list(), [], 'every completion was recorded once etcd was back');
  await service.stop();

  const counts = warnings.filter((w): w is RepeatedWarning => w instanceof RepeatedWarning);
  const standsFor = warnings.length - counts.length + counts.reduce((sum, w) => sum + w.repeated, 0);
  t.log(
    `${JOBS} triggers, ${failedCommits} refused commits over ${OUTAGE_MS / 1000} s: ` +
      `${warnings.length} warnings (${duringOutage} during the outage): ${warnings.map((w) => w.message).join(' | ')}`,
  );
  t.is(fired, JOBS);
  t.true(failedCommits >= JOBS * (OUTAGE_MS / 250) * 0.9, 'every trigger kept retrying');
  t.true(warnings.length <= 2 + OUTAGE_MS / 5_000, 'one report, then at most one count per 5 s');
  t.is(standsFor, failedCommits, 'the counts account for every refused commit');
});
