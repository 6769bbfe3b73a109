/**
 * Issue 7, fault test 1 and the takeover measurements: three timer-service replicas (child
 * processes) on a 3-member etcd cluster. One-shot timers come due over a window; one replica is
 * SIGKILLed in the middle. Every timer must fire at least once and never before its due time;
 * duplicates are counted (only timers of the killed replica's partitions may repeat). Also
 * measured: partition takeover after a join, a SIGKILL and a clean leave (SIGTERM).
 */
import test from 'ava';
import { nanoid } from 'nanoid';
import { partitionOf } from '../../src/cluster/partition.js';
import { TimerService } from '../../src/timers/timer-service.js';
import { ReplicaSet, useEtcdCluster, type Replica } from '../helpers/cluster-fixture.js';
import { waitFor } from '../helpers/etcd-wait.js';
import type { ReplicaConfig } from '../helpers/replica-process.js';

/** Sizes (smaller than the 10k over 20 s, to keep the suite bounded; see docs/reliability.md). */
const TIMERS = Number(process.env['FAULT_TIMERS'] ?? 3000);
const WINDOW_MS = Number(process.env['FAULT_WINDOW_MS'] ?? 8000);
const PARTITIONS = 8;
const TTL = 3;

const etcd = await useEtcdCluster(test);

test('3 replicas, one SIGKILLed mid-window: every timer fires, none early; takeover measured', async (t) => {
  const appId = `crash-${nanoid(6)}`;
  const replicas = new ReplicaSet();
  t.teardown(() => replicas.killAll());
  const config = (memberId: string): ReplicaConfig => ({
    hosts: etcd.hosts,
    appId,
    mode: 'timers',
    memberId,
    partitions: PARTITIONS,
    leaseTtlSeconds: TTL,
  });
  replicas.start(config('a'));
  replicas.start(config('b'));
  await replicas.settled(PARTITIONS, { timeoutMs: 60_000 });

  // Join: from spawning c until the three have split the partitions.
  const joinStart = Date.now();
  const c = replicas.start(config('c'));
  const joined = await replicas.settled(PARTITIONS, { timeoutMs: 60_000 });
  const startup = (await c.next('started')).wall - joinStart;
  t.is(replicas.alive.length, 3);

  // The timers: due evenly over the window, starting after the schedule call has surely returned.
  const kv = await etcd.connect();
  const scheduler = new TimerService({ kv, appId, partitions: PARTITIONS });
  const first = Date.now() + 2000;
  const due = new Map<string, number>();
  const jobs = Array.from({ length: TIMERS }, (_, i) => {
    const at = first + Math.floor((i * WINDOW_MS) / TIMERS);
    due.set(`t-${i}`, at);
    return { name: `t-${i}`, spec: { dueTime: new Date(at) } };
  });
  const results = await scheduler.scheduleMany(jobs);
  t.deepEqual(
    results.filter((r) => !r.ok),
    [],
  );

  // SIGKILL c in the middle of the window; a and b must take its partitions over.
  await waitFor(() => Date.now() >= first + WINDOW_MS / 2, { timeoutMs: WINDOW_MS + 60_000, intervalMs: 50 });
  const victimPartitions = [...c.owned];
  const killedAt = Date.now();
  await c.kill();
  const takenOver = await replicas.settled(PARTITIONS, { timeoutMs: 60_000 });
  const takeoverMs = takenOver - killedAt;

  const fired = (): Array<{ name: string; scheduledAt: number; now: number; by: Replica }> =>
    replicas.all.flatMap((r) => r.of('fired').map((line) => ({ ...line, by: r })));
  await waitFor(() => new Set(fired().map((f) => f.name)).size === TIMERS, {
    what: `all ${TIMERS} timers to fire`,
    timeoutMs: WINDOW_MS + 60_000,
    intervalMs: 100,
  });

  // Clean leave: b hands its partitions to a.
  const b = replicas.all[1] as Replica;
  const leaveStart = Date.now();
  await b.stop();
  t.truthy(b.of('stopped').length, 'b stopped cleanly');
  const left = await replicas.settled(PARTITIONS, { timeoutMs: 30_000 });

  const deliveries = fired();
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
  const early = deliveries.filter(
    (d) => d.now < (due.get(d.name) ?? Infinity) || d.scheduledAt !== due.get(d.name),
  );
  const lateness = deliveries.map((d) => d.now - d.scheduledAt).sort((x, y) => x - y);
  t.log(
    `${TIMERS} timers over ${WINDOW_MS} ms: ${deliveries.length} deliveries, ${duplicates.length} duplicated; ` +
      `lateness p50 ${lateness[Math.floor(lateness.length / 2)]} ms, max ${lateness.at(-1)} ms`,
  );
  t.log(
    `takeover: join ${joined - joinStart} ms (process startup ${startup} ms), SIGKILL ${takeoverMs} ms ` +
      `(lease TTL ${TTL} s), clean leave ${left - leaveStart} ms`,
  );
  t.deepEqual(early, [], 'no timer fired before its due time');
  t.is(counts.size, TIMERS, 'every timer fired at least once');
  // Only a trigger in flight on the killed replica can be delivered again by its successor.
  const foreign = duplicates.filter((name) => !victimPartitions.includes(partitionOf(name, PARTITIONS)));
  t.deepEqual(foreign, [], "duplicates only in the killed replica's partitions");
  t.true(
    deliveries.some((d) => d.by !== c && victimPartitions.includes(partitionOf(d.name, PARTITIONS))),
    "the killed replica's timers fired on the survivors",
  );
  // Takeover time is measured and documented (docs/reliability.md), not asserted: the machine is shared.
});
