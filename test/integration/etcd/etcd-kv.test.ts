import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startEmbeddedEtcd, type EmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { LeaseLostError, StoreUnavailableError } from '../../../src/etcd/errors.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { findFreePort } from '../../../src/etcd/free-port.js';
import type { KvEvent } from '../../../src/etcd/kv-store.js';
import { waitFor, within } from '../../helpers/etcd-wait.js';

// EtcdKv behaviour when etcd itself goes away; each test runs its own etcd so it can stop it.

async function ownEtcd(t: ExecutionContext): Promise<{ start(): Promise<EmbeddedEtcd>; hosts: string[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-etcdkv-'));
  const port = await findFreePort();
  const peerPort = await findFreePort();
  let current: EmbeddedEtcd | undefined;
  t.teardown(async () => {
    await current?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    hosts: [`http://127.0.0.1:${port}`],
    start: async () => (current = await startEmbeddedEtcd({ dataDir, port, peerPort })),
  };
}

test('a watch resumes after etcd restarts, without losing or repeating events', async (t) => {
  const server = await ownEtcd(t);
  let etcd = await server.start();
  const kv = await connectEtcd({ hosts: server.hosts });
  t.teardown(() => kv.close());
  const seen: KvEvent[] = [];
  let reset: Error | undefined;
  const base = await kv.range('w/');
  await kv.watch('w/', base.revision + 1, {
    onEvents: (events) => seen.push(...events),
    onReset: (reason) => (reset = reason),
  });
  await kv.txn([], [{ op: 'put', key: 'w/before', value: '1' }]);
  await waitFor(() => seen.length === 1, { what: 'the first event' });

  await etcd.stop();
  etcd = await server.start();
  const restartedAt = Date.now();
  // The first writes after a restart may fail while the client reconnects; retry until one lands.
  await waitFor(
    async () => {
      try {
        await kv.txn([], [{ op: 'put', key: 'w/after', value: '2' }]);
        return true;
      } catch (error) {
        t.true(error instanceof StoreUnavailableError, `unexpected ${String(error)}`);
        return false;
      }
    },
    { what: 'a write after the restart', intervalMs: 100, timeoutMs: 20_000 },
  );
  await waitFor(() => seen.some((e) => e.key === 'w/after'), { what: 'the event after the restart' });
  t.log(`watch delivered again ${Date.now() - restartedAt} ms after etcd answered`);
  t.deepEqual(
    seen.map((e) => e.key),
    ['w/before', 'w/after'],
  );
  t.is(reset, undefined);
});

test('a lease is reported lost when etcd stays unreachable, before its TTL runs out', async (t) => {
  const server = await ownEtcd(t);
  const etcd = await server.start();
  const kv = await connectEtcd({ hosts: server.hosts });
  t.teardown(() => kv.close());
  const lease = await kv.grantLease(3);
  const lost = new Promise<Error>((resolve) => lease.onLost(resolve));
  await etcd.stop();
  const stoppedAt = Date.now();
  const reason = await within(lost, { timeoutMs: 5_000, what: 'onLost' });
  const after = Date.now() - stoppedAt;
  t.log(`onLost ${after} ms after etcd stopped (TTL 3 s)`);
  t.true(reason instanceof LeaseLostError);
  t.true(after < 3_000, 'the holder hears before etcd could have expired the lease');
});

test('requests to an unreachable etcd fail with StoreUnavailableError', async (t) => {
  const server = await ownEtcd(t);
  const etcd = await server.start();
  // A short retry deadline: refused requests are re-sent until it passes, then fail.
  const kv = await connectEtcd({ hosts: server.hosts, requestTimeoutMs: 2_000, retryDeadlineMs: 500 });
  t.teardown(() => kv.close());
  await etcd.stop();
  const error = await t.throwsAsync(kv.get('x'), { instanceOf: StoreUnavailableError });
  t.false(error?.outcomeUnknown, 'a read never leaves doubt');
  const txnError = await t.throwsAsync(kv.txn([], [{ op: 'put', key: 'x', value: '1' }]), {
    instanceOf: StoreUnavailableError,
  });
  t.false(txnError?.outcomeUnknown, `refused connections prove nothing was sent: ${txnError?.message ?? ''}`);
  await t.throwsAsync(connectEtcd({ hosts: server.hosts, dialTimeoutMs: 500 }), {
    instanceOf: StoreUnavailableError,
    message: /no answer from http:\/\/127\.0\.0\.1:\d+ within 500 ms/,
  });
});
