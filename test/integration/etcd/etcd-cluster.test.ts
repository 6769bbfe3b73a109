import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startEtcdCluster } from '../../../src/etcd/etcd-cluster.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { waitFor } from '../../helpers/etcd-wait.js';

test('a 3-member loopback cluster keeps serving while one member is killed and restarted', async (t) => {
  const baseDir = await mkdtemp(join(tmpdir(), 'tickflow-cluster-'));
  t.teardown(() => rm(baseDir, { recursive: true, force: true }));
  const startedAt = Date.now();
  const cluster = await startEtcdCluster({ members: 3, baseDir });
  t.teardown(() => cluster.stop());
  t.log(`3 members healthy after ${Date.now() - startedAt} ms`);
  t.is(new Set(cluster.hosts).size, 3);
  t.is(new Set(cluster.members.map((m) => m.dataDir)).size, 3);
  const leaders = await Promise.all(cluster.members.map((m) => m.isLeader()));
  t.is(leaders.filter(Boolean).length, 1, 'exactly one leader');

  const kv = await connectEtcd({ hosts: cluster.hosts, requestTimeoutMs: 3_000 });
  t.teardown(() => kv.close());
  await kv.txn([], [{ op: 'put', key: 'c/1', value: 'a' }]);

  const victim = cluster.members[0];
  if (!victim) return t.fail('no members');
  const pid = victim.pid;
  await victim.kill();
  t.false(victim.running);
  // Writes reach the surviving quorum (the client may first try the dead member).
  await waitFor(
    async () =>
      kv.txn([], [{ op: 'put', key: 'c/2', value: 'b' }]).then(
        (r) => r.succeeded,
        () => false,
      ),
    { what: 'a write with one member down', intervalMs: 100 },
  );
  await victim.restart();
  t.not(victim.pid, pid);
  const direct = await connectEtcd({ hosts: [victim.host] });
  t.teardown(() => direct.close());
  await waitFor(async () => (await direct.get('c/2'))?.value === 'b', {
    what: 'the restarted member caught up',
  });
  await cluster.stop();
  t.false(cluster.members.some((m) => m.running));
});
