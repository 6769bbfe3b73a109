/**
 * The dashboard's cluster view with two `tickflow serve` replicas on one external etcd: either
 * replica shows both, every partition with its owner as each replica reports it itself, and a
 * replica that stops leaves the view (its partitions go to the other).
 */
import test from 'ava';
import { useEtcd } from '../../helpers/etcd.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';

interface Cluster {
  memberId: string;
  partitionCount: number;
  replicas: Array<{ memberId: string; self: boolean; partitions: number[]; leaseAgeSeconds?: number }>;
  partitions: Array<{ partition: number; owner?: string; oldestOverdueSeconds?: number }>;
}

const etcd = await useEtcd(test);
const replicas: ServerProcess[] = [];
test.after.always(async () => {
  await Promise.allSettled(replicas.map((r) => r.stop(5_000)));
});

const startReplica = async (): Promise<ServerProcess> => {
  const replica = await startServerProcess({
    args: ['--etcd', etcd.hosts.join(','), '--namespace', 'dash', '--app-id', 'dash', '--no-grpc'],
  });
  replicas.push(replica);
  return replica;
};
async function cluster(replica: ServerProcess): Promise<Cluster> {
  const res = await replica.request('GET', '/v1.0/ui/cluster');
  if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
  return res.json as Cluster;
}
async function owned(replica: ServerProcess): Promise<number[]> {
  const res = await replica.request('GET', '/v1.0/metadata');
  return (res.json as { replica: { ownedPartitions: number[] } }).replica.ownedPartitions;
}

test('both replicas, each partition with its owner, and a replica that stops leaves', async (t) => {
  const [a, b] = await Promise.all([startReplica(), startReplica()]);
  // Each owns some and together all 32, as each says itself, and the view agrees. Ownership may
  // still move while the replicas balance, so the three are read until they agree.
  let ownedA: number[] = [];
  let ownedB: number[] = [];
  let read: Cluster | undefined;
  await waitFor(
    async () => {
      [ownedA, ownedB] = await Promise.all([owned(a!), owned(b!)]);
      read = await cluster(a!);
      const [againA, againB] = await Promise.all([owned(a!), owned(b!)]);
      return (
        ownedA.length > 0 &&
        ownedB.length > 0 &&
        ownedA.length + ownedB.length === 32 &&
        againA.join() === ownedA.join() &&
        againB.join() === ownedB.join() &&
        read.replicas.find((r) => r.self)?.partitions.join() === ownedA.join()
      );
    },
    { what: 'the partitions to be shared and shown', timeoutMs: 30_000, intervalMs: 100 },
  );
  const view = read as Cluster | undefined;
  if (!view) throw new Error('no view');
  t.is(view.partitionCount, 32);
  t.is(view.replicas.length, 2);
  const self = view.replicas.find((r) => r.self);
  const other = view.replicas.find((r) => !r.self);
  t.is(self?.memberId, view.memberId);
  t.deepEqual(self?.partitions, ownedA);
  t.deepEqual(other?.partitions, ownedB);
  t.true(view.partitions.every((p) => p.owner === self?.memberId || p.owner === other?.memberId));
  // Overdue figures only for the partitions of the replica that answered.
  t.true(
    view.partitions.every((p) => (p.owner === view.memberId) === (p.oldestOverdueSeconds !== undefined)),
  );
  // The other replica shows the same owners, from its side.
  const fromB = await cluster(b!);
  t.deepEqual(
    fromB.partitions.map((p) => p.owner),
    view.partitions.map((p) => p.owner),
  );
  t.deepEqual(fromB.replicas.find((r) => r.self)?.partitions, ownedB);

  await b!.stop();
  await waitFor(
    async () => {
      const now = await cluster(a!);
      return now.replicas.length === 1 && now.partitions.every((p) => p.owner === now.memberId);
    },
    { what: 'the stopped replica to leave the view', timeoutMs: 30_000, intervalMs: 100 },
  );
});
