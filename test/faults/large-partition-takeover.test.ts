/**
 * Issue 13, fault test: a replica SIGKILLed while it owns a partition holding more than 4 MiB of
 * jobs (the gRPC answer limit that used to stall a partition load for good). The survivor must
 * read the whole partition back and deliver every job, none early.
 */
import test from 'ava';
import { nanoid } from 'nanoid';
import { partitionOf } from '../../src/cluster/partition.js';
import { TimerService } from '../../src/timers/timer-service.js';
import { ReplicaSet, type Replica } from '../helpers/cluster-fixture.js';
import { useEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/etcd-wait.js';
import type { ReplicaConfig } from '../helpers/replica-process.js';

const PARTITIONS = 4;
const JOBS = 1_500;
/** 1,500 jobs of 4 KB: 6 MB in one partition. */
const DATA = 'd'.repeat(4_000);

const etcd = await useEtcd(test);

test('SIGKILL the owner of a partition holding 6 MB of jobs: the survivor delivers every job, none early', async (t) => {
  const appId = `big-${nanoid(6)}`;
  const replicas = new ReplicaSet();
  t.teardown(() => replicas.killAll());
  const config = (memberId: string): ReplicaConfig => ({
    hosts: etcd.hosts,
    appId,
    mode: 'timers',
    memberId,
    partitions: PARTITIONS,
    leaseTtlSeconds: 2,
  });
  replicas.start(config('a'));
  replicas.start(config('b'));
  await replicas.settled(PARTITIONS, { timeoutMs: 60_000 });

  // Every job in the partition the first replica owns, due over a window that starts after the kill.
  const victim = replicas.all[0] as Replica;
  const target = victim.owned[0] as number;
  const names: string[] = [];
  for (let i = 0; names.length < JOBS; i++)
    if (partitionOf(`big-${i}`, PARTITIONS) === target) names.push(`big-${i}`);
  const kv = await etcd.connect();
  const scheduler = new TimerService({ kv, appId, partitions: PARTITIONS });
  const first = Date.now() + 4_000;
  const due = new Map(names.map((name, i) => [name, first + Math.floor((i * 2_000) / JOBS)]));
  const results = await scheduler.scheduleMany(
    names.map((name) => ({ name, spec: { dueTime: new Date(due.get(name) ?? 0), data: DATA } })),
  );
  t.deepEqual(
    results.filter((r) => !r.ok),
    [],
  );
  await victim.kill();
  const survivor = replicas.all[1] as Replica;
  await waitFor(() => survivor.owned.includes(target), {
    what: 'the survivor to own the partition',
    timeoutMs: 30_000,
  });

  await waitFor(() => new Set(survivor.of('fired').map((f) => f.name)).size === JOBS, {
    what: `all ${JOBS} jobs to fire on the survivor`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  const fired = survivor.of('fired');
  const early = fired.filter((f) => f.now < (due.get(f.name) ?? Infinity));
  t.deepEqual(early, [], 'none early');
  t.is(new Set(fired.map((f) => f.name)).size, JOBS);
  t.is(victim.of('fired').length, 0, 'the victim died before any was due');
});
