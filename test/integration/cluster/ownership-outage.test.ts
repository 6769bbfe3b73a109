import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { PartitionOwnership } from '../../../src/cluster/partition-ownership.js';
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { nextEvent, waitFor } from '../../helpers/etcd-wait.js';

test('when etcd is unreachable past the TTL, the member releases everything, then rejoins', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-outage-'));
  const port = await findFreePort();
  const peerPort = await findFreePort();
  let etcd = await startEmbeddedEtcd({ dataDir, port, peerPort });
  t.teardown(async () => {
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const kv = await connectEtcd({ hosts: etcd.hosts, requestTimeoutMs: 2_000 });
  t.teardown(() => kv.close());
  const serving = new Set<number>();
  const ownership = new PartitionOwnership({
    kv,
    prefix: '/outage',
    partitions: 4,
    leaseTtlSeconds: 2,
    retryDelayMs: 200,
    onAcquire: async (p) => void serving.add(p),
    onRelease: async (p) => void serving.delete(p),
  });
  await ownership.start();
  t.teardown(() => ownership.stop());
  await waitFor(() => serving.size === 4, { what: 'owns all' });

  const lost = nextEvent(ownership, 'leaseLost', { timeoutMs: 5_000 });
  const stoppedAt = Date.now();
  await etcd.stop();
  await lost;
  t.log(`lease reported lost ${Date.now() - stoppedAt} ms after etcd stopped (TTL 2 s)`);
  t.is(serving.size, 0, 'stopped serving everything as soon as the lease was lost');
  t.is(ownership.owned().size, 0);

  etcd = await startEmbeddedEtcd({ dataDir, port, peerPort });
  const restartedAt = Date.now();
  await waitFor(() => serving.size === 4, { what: 'owns all again', timeoutMs: 20_000 });
  t.log(`owned everything again ${Date.now() - restartedAt} ms after etcd came back`);
});
