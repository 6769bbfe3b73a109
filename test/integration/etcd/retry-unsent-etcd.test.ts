import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Etcd3, type IOptions } from 'etcd3';
import { startEmbeddedEtcd, type EmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { StoreRequestError } from '../../../src/etcd/errors.js';
import { connectEtcd, EtcdKv } from '../../../src/etcd/etcd-kv.js';
import { EtcdUnaryClient, type RetryPolicy } from '../../../src/etcd/etcd-unary-client.js';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { HostCoolingDownError, hostBreaker } from '../../../src/etcd/host-breaker.js';
import { retryUnsent } from '../../../src/etcd/retry-unsent.js';
import { waitFor } from '../../helpers/etcd-wait.js';

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

// The retry policy and host breakers on tickflow's etcd client and a real etcd that goes away.

test('a write made while etcd is down waits for it to come back, and is applied once', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-retry-'));
  const port = await findFreePort();
  const peerPort = await findFreePort();
  const start = (): Promise<EmbeddedEtcd> => startEmbeddedEtcd({ dataDir, port, peerPort });
  let etcd = await start();
  t.teardown(async () => {
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  // tickflow's policies, the global one wrapped only to see what each attempt ran into.
  const failures: unknown[] = [];
  const policy = retryUnsent({ deadlineMs: 60_000 });
  const seeing = {
    execute: (fn: (context: never) => unknown) =>
      policy.execute(async (context) => {
        try {
          return await fn(context as never);
        } catch (error) {
          failures.push(error);
          throw error;
        }
      }),
  } as unknown as GlobalPolicy;
  // Reads and writes go through tickflow's own unary client; etcd3 keeps watches and leases.
  const hosts = [`http://127.0.0.1:${port}`];
  const kv = new EtcdKv(
    new Etcd3({ hosts, faultHandling: { host: hostBreaker(1_000), global: seeing } }),
    new EtcdUnaryClient({
      hosts,
      requestTimeoutMs: 5_000,
      dialTimeoutMs: 5_000,
      retryDeadlineMs: 60_000,
      maxReceiveBytes: 64 * 1024 * 1024,
      retry: seeing as unknown as RetryPolicy,
    }),
  );
  t.teardown(() => kv.close());
  t.is((await kv.txn([], [{ op: 'put', key: 'warm', value: '1' }])).succeeded, true);

  await etcd.stop();
  // The client learns that its connection is gone only when it next uses it: a write sent on the
  // dying connection fails with "Connection dropped", an outcome it cannot know, and is rightly
  // not re-sent. A read goes first, so the write starts on a client that has seen etcd go.
  const probe = kv.get('warm').catch(() => undefined);
  await waitFor(() => failures.length > 0, { what: 'the client to see etcd go away' });
  // Create-only: applied twice, the second application would fail its guard and answer false.
  const write = kv.txn([{ key: 'once', modRevision: 0 }], [{ op: 'put', key: 'once', value: 'v' }]);
  await waitFor(() => failures.some((e) => e instanceof HostCoolingDownError), {
    what: 'the only host to be put to rest',
  });
  etcd = await start();

  const result = await write;
  t.log(`${failures.length} refused attempts before etcd was back`);
  t.true(result.succeeded, 'applied exactly once');
  t.is((await kv.get('once'))?.value, 'v');
  await probe;
});

test('retryDeadlineMs must be a number of milliseconds >= 0', async (t) => {
  for (const retryDeadlineMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    await t.throwsAsync(connectEtcd({ hosts: ['http://127.0.0.1:1'], retryDeadlineMs }), {
      instanceOf: StoreRequestError,
      message: /^invalid retryDeadlineMs: .*; allowed: a number of milliseconds >= 0$/,
    });
  }
});
