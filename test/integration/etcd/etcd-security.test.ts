/**
 * tickflow on a secured etcd (issue 15): etcd started by the test with client TLS,
 * --client-cert-auth and auth enabled (certificates made by openssl). connectEtcd needs the CA,
 * a client certificate and a user; `tickflow serve --etcd https://... --etcd-ca/--etcd-cert/
 * --etcd-key --etcd-user` (password from TICKFLOW_ETCD_PASSWORD) round-trips a job; and a user
 * whose role covers only one namespace's prefix can serve that namespace and no other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { StoreRequestError } from '../../../src/etcd/errors.js';
import { prefixEnd } from '../../../src/etcd/key-order.js';
import { startServerProcess } from '../../helpers/server-fixture.js';
import { startSecuredEtcd } from '../../helpers/secured-etcd.js';
import { makeTestCerts } from '../../helpers/test-certs.js';

const certs = await makeTestCerts();
const dataDir = await mkdtemp(join(tmpdir(), 'tickflow-secure-etcd-'));
const { url, tls, admin, stop } = await startSecuredEtcd(certs, dataDir);
const ROOT = { username: 'root', password: 'root-password-1' };
const SCOPED = { username: 'orders', password: 'orders-password-1' };

// Users and roles, then auth on: root for everything, `orders` for namespace "orders" only.
await admin.auth.roleAdd({ name: 'root' });
await admin.auth.userAdd({ name: ROOT.username, password: ROOT.password });
await admin.auth.userGrantRole({ user: ROOT.username, role: 'root' });
await admin.auth.roleAdd({ name: 'orders-scope' });
await admin.auth.roleGrantPermission({
  name: 'orders-scope',
  perm: {
    permType: 'Readwrite',
    key: Buffer.from('/tickflow/orders/'),
    range_end: prefixEnd('/tickflow/orders/'),
  },
});
await admin.auth.userAdd({ name: SCOPED.username, password: SCOPED.password });
await admin.auth.userGrantRole({ user: SCOPED.username, role: 'orders-scope' });
await admin.auth.authEnable();
admin.close();

test.after.always(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(certs.dir, { recursive: true, force: true });
});

test('connectEtcd needs TLS, a client certificate and a user; with all three it reads and writes', async (t) => {
  await t.throwsAsync(connectEtcd({ hosts: [url], dialTimeoutMs: 1_500, tls: { ca: tls.ca } }), {
    message: /no answer/,
  });
  const noUser = await connectEtcd({ hosts: [url], tls });
  await t.throwsAsync(noUser.txn([], [{ op: 'put', key: '/tickflow/x', value: '1' }]), {
    message: /user name is empty|permission denied|invalid auth token|authentication/i,
  });
  await noUser.close();
  const kv = await connectEtcd({ hosts: [url], tls, auth: ROOT });
  t.teardown(() => kv.close());
  await kv.txn([], [{ op: 'put', key: '/tickflow/secure-check', value: 'ok' }]);
  t.is((await kv.get('/tickflow/secure-check'))?.value, 'ok');
});

test('inconsistent credentials are refused before connecting, naming the setting', async (t) => {
  await t.throwsAsync(connectEtcd({ hosts: ['http://127.0.0.1:1'], tls }), {
    instanceOf: StoreRequestError,
    message: /https:\/\//,
  });
  await t.throwsAsync(connectEtcd({ hosts: [url], tls: { cert: tls.cert } }), {
    instanceOf: StoreRequestError,
    message: /both or neither/,
  });
  await t.throwsAsync(connectEtcd({ hosts: [url], auth: { username: 'root', password: '' } }), {
    instanceOf: StoreRequestError,
    message: /non-empty password/,
  });
});

const serveArgs = (namespace: string, user: string): string[] => [
  '--etcd',
  url,
  '--namespace',
  namespace,
  '--etcd-ca',
  certs.ca,
  '--etcd-cert',
  certs.clientCert,
  '--etcd-key',
  certs.clientKey,
  '--etcd-user',
  user,
];

test('tickflow serve on the secured etcd: a job round trip; the password comes from the environment', async (t) => {
  const server = await startServerProcess({
    args: serveArgs('default', ROOT.username),
    env: { TICKFLOW_ETCD_PASSWORD: ROOT.password },
  });
  t.teardown(() => server.stop());
  t.is(
    (await server.request('POST', '/v1.0-alpha1/jobs/secure-job', { body: { dueTime: '1h', data: 7 } }))
      .status,
    204,
  );
  t.like((await server.request('GET', '/v1.0-alpha1/jobs/secure-job')).json, { name: 'secure-job', data: 7 });
});

test("a user limited to one namespace's prefix serves that namespace, and cannot start on another", async (t) => {
  const server = await startServerProcess({
    args: serveArgs('orders', SCOPED.username),
    env: { TICKFLOW_ETCD_PASSWORD: SCOPED.password },
  });
  t.teardown(() => server.stop());
  t.is(
    (await server.request('POST', '/v1.0-alpha1/jobs/scoped-job', { body: { dueTime: '1h' } })).status,
    204,
  );
  await t.throwsAsync(
    startServerProcess({
      args: serveArgs('billing', SCOPED.username),
      env: { TICKFLOW_ETCD_PASSWORD: SCOPED.password },
      startupTimeoutMs: 30_000,
    }),
    { message: /permission denied|exited during startup|did not start/i },
  );
});
