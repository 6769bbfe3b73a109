/**
 * Issue 7, fault test 4: replicas whose clocks are off. Three replicas share the work, one with
 * its clock 2 s behind the wall clock, one 2 s ahead; midway the one ahead leaves (its partitions
 * move). The guarantees under skew:
 * - never early *by the delivering replica's own clock* (a replica ahead fires early in wall time,
 *   by at most its skew: ownership comes from etcd leases, times from each replica's clock);
 * - no double fire: partition ownership does not depend on clocks, so a tick is delivered once.
 */
import test from 'ava';
import type { Clock } from '../../src/common/clock.js';
import { systemClock } from '../../src/common/clock.js';
import { TimerService } from '../../src/timers/timer-service.js';
import { useEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/etcd-wait.js';
import { oneShots, report, startTimerReplica, uniqueAppId, type Delivery } from './fault-timers.js';

const PARTITIONS = 6;
const SKEW_MS = 2000;
const etcd = await useEtcd(test);

/** The wall clock shifted by `skewMs`; its timers wait for the shifted time. */
function skewed(skewMs: number): Clock {
  return {
    now: () => Date.now() + skewMs,
    schedule: (atMs, fn) => systemClock.schedule(atMs - skewMs, fn),
  };
}

test('replicas 2 s behind and ahead: never early by their own clock, no tick delivered twice', async (t) => {
  const appId = uniqueAppId('skew');
  const log: Delivery[] = [];
  const replicas = new Map<string, TimerService>();
  for (const [name, skew] of [
    ['behind', -SKEW_MS],
    ['exact', 0],
    ['ahead', SKEW_MS],
  ] as const) {
    const service = await startTimerReplica({
      kv: await etcd.connect(),
      appId,
      name,
      log,
      partitions: PARTITIONS,
      leaseTtlSeconds: 3,
      clock: skewed(skew),
    });
    replicas.set(name, service);
  }
  t.teardown(async () => void (await Promise.all([...replicas.values()].map((r) => r.stop()))));
  const owners = (): number[][] => [...replicas.values()].map((r) => r.ownedPartitions());
  await waitFor(() => owners().every((o) => o.length > 0) && owners().flat().length === PARTITIONS, {
    what: 'three replicas splitting the partitions',
    timeoutMs: 30_000,
  });

  const scheduler = new TimerService({ kv: await etcd.connect(), appId, partitions: PARTITIONS });
  const jobs = oneShots('skew', 300, Date.now() + 1500, 5000);
  const recurring = Array.from({ length: 6 }, (_, i) => `beat-${i}`);
  await scheduler.scheduleMany([
    ...jobs,
    ...recurring.map((name) => ({
      name,
      spec: { schedule: '@every 700ms', repeats: 8, dueTime: new Date(Date.now() + 1000) },
    })),
  ]);
  const due = new Map(jobs.map((j) => [j.name, j.dueAt]));

  // Midway, the replica that is ahead hands its partitions to the others.
  await waitFor(() => Date.now() > (jobs[0]?.dueAt ?? 0) + 2500, { intervalMs: 50, timeoutMs: 30_000 });
  await replicas.get('ahead')?.stop();
  replicas.delete('ahead');

  await waitFor(
    () =>
      report(log, due).missing.length === 0 &&
      recurring.every((name) => log.filter((d) => d.name === name).length >= 8),
    { what: 'every one-shot and 8 ticks of each recurring job', timeoutMs: 60_000, intervalMs: 100 },
  );
  const result = report(log, due);
  const earlyByOwnClock = log.filter((d) => d.now < d.scheduledAt);
  const ticks = new Map<string, number>();
  for (const d of log.filter((x) => x.name.startsWith('beat-'))) {
    const key = `${d.name}@${d.scheduledAt}`;
    ticks.set(key, (ticks.get(key) ?? 0) + 1);
  }
  const wallEarly = (name: string): number =>
    Math.max(0, ...log.filter((d) => d.replica === name).map((d) => d.scheduledAt - d.wall));
  t.log(
    `${log.length} deliveries; earliest in wall time: ahead ${wallEarly('ahead')} ms, exact ${wallEarly('exact')} ms, ` +
      `behind ${wallEarly('behind')} ms; deliveries per replica: ` +
      ['behind', 'exact', 'ahead'].map((n) => `${n} ${log.filter((d) => d.replica === n).length}`).join(', '),
  );
  t.deepEqual(earlyByOwnClock, [], 'never early by the replica’s own clock');
  t.deepEqual(result.duplicated, [], 'no one-shot delivered twice');
  t.deepEqual(
    [...ticks].filter(([, n]) => n > 1),
    [],
    'no recurring tick delivered twice',
  );
  t.is(ticks.size, recurring.length * 8, 'every tick of every recurring job');
  t.true(wallEarly('ahead') <= SKEW_MS, 'a replica ahead fires early in wall time by at most its skew');
  t.true(
    log.some((d) => d.replica === 'ahead') && log.some((d) => d.replica === 'behind'),
    'both skewed replicas delivered',
  );
});
