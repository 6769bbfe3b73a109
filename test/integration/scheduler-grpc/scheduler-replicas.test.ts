/**
 * Two Scheduler replicas on one etcd, as daprd uses them: `WatchHosts` lists both (and drops one
 * that stops), the sidecar keeps a `WatchJobs` stream to each, each replica fires the jobs of its
 * own partitions to the stream connected to it, and after one stops the other fires everything.
 */
import test from 'ava';
import { startSchedulerApi, type SchedulerApi } from '../../../src/grpc/scheduler-api.js';
import { MetricsRegistry } from '../../../src/server/prometheus.js';
import { useEtcd } from '../../helpers/etcd.js';
import { SidecarSimulator, type SidecarStream } from './sidecar-simulator.js';

const etcd = await useEtcd(test);

async function replica(): Promise<SchedulerApi> {
  return startSchedulerApi({
    host: '127.0.0.1',
    port: 0,
    kv: await etcd.connect(),
    registry: new MetricsRegistry(),
    warn: () => undefined,
    log: () => undefined,
    leaseTtlSeconds: 2,
  });
}

/** Resolves once `check` holds, checked on every partition change of either replica. */
function whenPartitions(apis: SchedulerApi[], check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const test = (): void => {
      if (!check()) return;
      for (const api of apis) api.timers.off('partitionsChanged', test);
      resolve();
    };
    for (const api of apis) api.timers.on('partitionsChanged', test);
    test();
  });
}

test('WatchHosts lists the live replicas; each fires its own partitions to its own streams', async (t) => {
  const a = await replica();
  const b = await replica();
  t.teardown(async () => {
    await a.stop();
    await b.stop();
  });
  const sa = new SidecarSimulator(a.port);
  const sb = new SidecarSimulator(b.port);
  t.teardown(() => [sa, sb].forEach((s) => s.close()));

  const hosts = sa.watchHosts();
  t.teardown(() => hosts.cancel());
  const both = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort();
  t.deepEqual(await hosts.until((h) => h.length === 2), both);

  // Both own partitions: the partitions are shared out.
  await whenPartitions(
    [a, b],
    () => a.timers.ownedPartitions().length > 0 && b.timers.ownedPartitions().length > 0,
  );
  // As daprd does: one stream to every host WatchHosts named.
  const initial = { namespace: 'default', app_id: 'orders' };
  const streams: SidecarStream[] = [sa.watch(initial), sb.watch(initial)];
  t.teardown(() => streams.forEach((s) => s.cancel()));
  const metadata = { namespace: 'default', app_id: 'orders', target: { job: {} } };
  const names = Array.from({ length: 20 }, (_, i) => `job-${i}`);
  for (const name of names) await sa.call('ScheduleJob', { name, job: { due_time: '0s' }, metadata });
  await waitUntil(() => streams.reduce((n, s) => n + s.triggers.length, 0) >= names.length);
  // At least once: a trigger may come twice (e.g. around a partition hand-over), none may be missing.
  const got = [...new Set(streams.flatMap((s) => s.triggers.map((x) => x.name)))].sort();
  t.deepEqual(got, [...names].sort());
  t.true(
    streams.every((s) => s.triggers.length > 0),
    'both replicas fired jobs of their partitions',
  );

  // One replica stops: it leaves the hosts, and the other fires every later job.
  await b.stop();
  t.deepEqual(await hosts.until((h) => h.length === 1), [`127.0.0.1:${a.port}`]);
  await whenPartitions([a], () => a.timers.ownedPartitions().length === a.timers.partitionCount);
  // Triggers B had sent and not seen answered when it stopped come again from A (at least once):
  // count only the later jobs.
  const laterOnA = (): string[] => [
    ...new Set(streams[0]?.triggers.map((x) => x.name).filter((n) => n.startsWith('later-'))),
  ];
  const later = Array.from({ length: 10 }, (_, i) => `later-${i}`);
  for (const name of later) await sa.call('ScheduleJob', { name, job: { due_time: '0s' }, metadata });
  await waitUntil(() => laterOnA().length >= later.length);
  t.deepEqual(laterOnA().sort(), [...later].sort());
});

/** Polls a condition on the test's own records (triggers arrive as stream events). */
async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
