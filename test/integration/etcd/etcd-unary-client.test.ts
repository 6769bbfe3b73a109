import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startEmbeddedEtcd, type EmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { StoreError } from '../../../src/etcd/errors.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { findFreePort } from '../../../src/etcd/free-port.js';

// tickflow's own unary etcd client (reads and transactions) against a real etcd with auth on.

test('after etcd restarts and forgets its auth tokens, calls fetch a new token and go on', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-unary-'));
  const port = await findFreePort();
  const peerPort = await findFreePort();
  const start = (): Promise<EmbeddedEtcd> => startEmbeddedEtcd({ dataDir, port, peerPort, auth: true });
  let etcd = await start();
  t.teardown(async () => {
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.credentials.json`, { force: true });
  });
  const auth = etcd.auth;
  if (auth === undefined) throw new Error('embedded etcd started without auth');
  const kv = await connectEtcd({ hosts: etcd.hosts, auth });
  t.teardown(() => kv.close());
  t.true((await kv.txn([], [{ op: 'put', key: 'a', value: '1' }])).succeeded);

  // etcd's simple tokens live in the member's memory: a restart makes the client's token invalid.
  await etcd.stop();
  etcd = await start();
  t.is((await kv.get('a'))?.value, '1');
  t.true(
    (
      await kv.txn(
        [{ key: 'a', modRevision: (await kv.get('a'))?.modRevision ?? -1 }],
        [{ op: 'put', key: 'a', value: '2' }],
      )
    ).succeeded,
  );
  t.is((await kv.get('a'))?.value, '2');
});

test('a wrong password is refused with a store error naming etcd’s reason, not retried forever', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-unary-'));
  const etcd = await startEmbeddedEtcd({ dataDir, listen: 'loopback', auth: true });
  t.teardown(async () => {
    await etcd.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.credentials.json`, { force: true });
  });
  const error = await t.throwsAsync(
    connectEtcd({ hosts: etcd.hosts, auth: { username: 'root', password: 'wrong' } }),
  );
  t.regex(error?.message ?? '', /authentication failed|invalid user ID or password/);
  t.true(error instanceof StoreError);
});
