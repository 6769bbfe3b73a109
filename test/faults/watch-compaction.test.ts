/**
 * Issue 7: watch compaction on a real cluster. A replica (child process) talks to one member
 * only. That member is killed; meanwhile, through the other members, jobs are created and
 * deleted and etcd is compacted past the replica's watch revision. When the member comes back
 * (it serves clients only once it has caught up, compaction included) the replica's watch cannot
 * resume where it stopped: it must notice, re-list its partitions and keep firing. New jobs fire;
 * deleted ones never do.
 */
import test from 'ava';
import { TimerService } from '../../src/timers/timer-service.js';
import { ReplicaSet, useEtcdCluster, type Replica } from '../helpers/cluster-fixture.js';
import { waitFor } from '../helpers/etcd-wait.js';
import { oneShots, report, uniqueAppId, type Delivery } from './fault-timers.js';

const PARTITIONS = 4;
const etcd = await useEtcdCluster(test);

const deliveries = (replica: Replica): Delivery[] =>
  replica.of('fired').map((f) => ({ ...f, wall: f.wall, replica: replica.name }));

test('watch compacted past the replica: it re-lists and keeps firing; deleted jobs stay deleted', async (t) => {
  const appId = uniqueAppId('compact');
  // A follower: killing the leader would add an election, during which scheduling fails.
  const leader = await etcd.leader();
  const member = etcd.cluster.members.find((m) => m !== leader);
  if (!member) return t.fail('no follower');
  const set = new ReplicaSet();
  t.teardown(() => set.killAll());
  // The lease must outlive the member's absence, so ownership stays put and only the watch breaks.
  const replica = set.start({
    hosts: [member.host],
    appId,
    mode: 'timers',
    memberId: 'solo',
    partitions: PARTITIONS,
    leaseTtlSeconds: 20,
  });
  await set.settled(PARTITIONS, { timeoutMs: 60_000 });

  const others = etcd.cluster.members.filter((m) => m !== member).map((m) => m.host);
  const kv = await etcd.connect(others);
  const scheduler = new TimerService({ kv, appId, partitions: PARTITIONS });
  const start = Date.now() + 8000;
  const kept = oneShots('kept', 40, start, 2000);
  const doomed = oneShots('doomed', 40, start, 2000);
  const allOk = (results: Array<{ ok: boolean }>): boolean => results.every((r) => r.ok);
  t.true(allOk(await scheduler.scheduleMany([...kept, ...doomed])));
  // A marker due now: once it fired, the replica has surely seen the jobs scheduled before it.
  await scheduler.schedule('marker', { dueTime: new Date() });
  await replica.next('fired', (f) => f.name === 'marker');

  await member.kill();
  const added = oneShots('added', 40, start, 2000);
  t.true(allOk(await scheduler.scheduleMany(added)));
  for (const job of doomed) await scheduler.delete(job.name);
  const { revision } = await kv.range('/', { limit: 1 });
  await kv.compact(revision);
  await member.restart();
  // Until it is back the replica fires from what it knew, deleted jobs included (see docs/reliability.md).
  t.true(Date.now() < start, 'the member was back before the jobs came due');

  const expected = new Map([...kept, ...added].map((j) => [j.name, j.dueAt]));
  await waitFor(() => report(deliveries(replica), expected).missing.length === 0, {
    what: 'kept and added jobs to fire',
    timeoutMs: 60_000,
    intervalMs: 100,
  }).catch((error: unknown) => {
    const missing = report(deliveries(replica), expected).missing;
    t.log(`missing ${missing.length}: ${missing.slice(0, 10).join(', ')}; replica said:`);
    for (const line of replica.lines.filter((l) => l.event !== 'fired')) t.log(JSON.stringify(line));
    throw error;
  });
  const result = report(deliveries(replica), expected);
  const warnings = replica.of('warning').map((w) => w.message);
  t.log(
    `compacted at revision ${revision}; ${result.duplicated.length} duplicated; warnings: ${warnings.join(' | ')}`,
  );
  t.true(
    warnings.some((w) => /compacted/.test(w)),
    'the replica saw its watch compacted (and so re-listed)',
  );
  t.deepEqual(result.early, [], 'none early');
  t.deepEqual(result.missing, [], 'jobs created during the gap fired');
  // The deleted jobs were due among the kept ones, so by now they would have fired if still known.
  t.deepEqual(
    deliveries(replica).filter((d) => d.name.startsWith('doomed')),
    [],
    'deleted jobs never fire',
  );
});
