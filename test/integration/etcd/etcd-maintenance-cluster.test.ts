/**
 * Defragmentation on a 3-member cluster: one member at a time, followers before the leader, so at
 * no moment are two members (a quorum's worth) blocked by it.
 */
import test from 'ava';
import { Etcd3 } from 'etcd3';
import { EtcdMaintenance, type DefragReport } from '../../../src/etcd/etcd-maintenance.js';
import { useEtcdCluster } from '../../helpers/cluster-fixture.js';
import { waitFor } from '../../helpers/etcd-wait.js';

const cluster = await useEtcdCluster(test);
const raw = new Etcd3({ hosts: cluster.hosts });
test.after.always(() => raw.close());

test('every fragmented member is defragmented, one at a time, the leader last', async (t) => {
  const kv = await cluster.connect();
  const prefix = `/t-cluster-defrag/`;
  const value = 'x'.repeat(100_000);
  for (let i = 0; i < 60; i++) await kv.txn([], [{ op: 'put', key: `${prefix}${i}`, value }]);
  await kv.txn([], [{ op: 'deletePrefix', prefix }]);
  const { header } = await raw.maintenance.status();
  await raw.kv.compact({ revision: header.revision, physical: true });
  // Each member compacts on its own, and etcd 3.4 updates dbSizeInUse when its next write commits,
  // not when the compaction ends: write until every member reports its free pages.
  const members = cluster.cluster.members.map((member) => new Etcd3({ hosts: [member.host] }));
  t.teardown(() => members.forEach((client) => client.close()));
  await waitFor(
    async () => {
      await kv.txn([], [{ op: 'put', key: `${prefix}one-more`, value: 'x' }]);
      const statuses = await Promise.all(members.map((client) => client.maintenance.status()));
      return statuses.every((status) => Number(status.dbSizeInUse) < Number(status.dbSize) / 2);
    },
    { timeoutMs: 20_000, intervalMs: 200, what: 'every member to report its free pages' },
  );
  const leader = await cluster.leader();

  const m = new EtcdMaintenance({
    hosts: cluster.hosts,
    intervalMs: 100,
    minReclaimBytes: 2 ** 20,
    quietEntriesPerSecond: 1_000,
  });
  t.teardown(() => m.stop());
  const reports: DefragReport[] = [];
  m.on('defragmented', (report) => reports.push(report));
  await m.start();
  await waitFor(() => reports.length >= 3, { timeoutMs: 30_000, what: 'three defragmentations' });
  t.deepEqual(
    reports.map((r) => r.member).sort(),
    cluster.cluster.members.map((member) => member.name).sort(),
  );
  t.is(reports[2]?.member, leader.name, 'the leader comes last');
  for (let i = 1; i < reports.length; i++) {
    const previous = reports[i - 1];
    const current = reports[i];
    if (!previous || !current) continue;
    t.true(current.startedAt >= previous.startedAt + previous.durationMs, 'never two at once');
  }
  for (const report of reports) t.true(report.dbSizeAfter < report.dbSizeBefore / 2, JSON.stringify(report));
});
