/**
 * `tickflow serve --api-token` as Dapr's API token (issue 15): every route but health answers 401
 * without it, the official DaprClient with `daprApiToken` works, the CLI sends it, callbacks carry
 * the app token, header variants never get through, and a non-loopback host needs a token.
 */
import { stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { daprHttpClient } from '../../helpers/dapr-http-client.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { httpRequest, runCli, startServerProcess } from '../../helpers/server-fixture.js';

const TOKEN = 'api-token-for-tests-0123456789';
const APP_TOKEN = 'app-token-for-tests-9876543210';

// An app that records the headers of every callback.
const callbacks: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
const app = createServer((req, res) => {
  callbacks.push({ url: req.url ?? '', headers: req.headers });
  res.statusCode = 200;
  res.end();
});
await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
const server = await startServerProcess({
  appUrl,
  workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
  args: ['--api-token', TOKEN, '--app-api-token', APP_TOKEN],
});
test.after.always(async () => {
  await server.stop();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

const WF = ['/v1.0-beta1/workflows/dapr', '/v1.0/workflows/dapr', '/v1.0-alpha1/workflows/dapr'];
/** Every route the server serves (docs/http-api-and-cli.md), plus one that does not exist. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/v1.0/metadata'],
  ['GET', '/metrics'],
  ['GET', '/v1.0/jobs'],
  ['GET', '/v1.0/no-such-route'],
  ...['/v1.0-alpha1/jobs', '/v1.0/jobs'].flatMap((p): Array<[string, string]> => [
    ['POST', `${p}/j1`],
    ['GET', `${p}/j1`],
    ['DELETE', `${p}/j1`],
  ]),
  ...WF.flatMap((p): Array<[string, string]> => [
    ['GET', p],
    ['POST', `${p}/approval/start`],
    ['GET', `${p}/i1`],
    ['GET', `${p}/i1/history`],
    ['POST', `${p}/i1/raiseEvent/e`],
    ['POST', `${p}/i1/terminate`],
    ['POST', `${p}/i1/pause`],
    ['POST', `${p}/i1/resume`],
    ['POST', `${p}/i1/purge`],
  ]),
];

test('every route answers 401 without the token, and is served with it; health stays open', async (t) => {
  for (const [method, path] of ROUTES) {
    const res = await httpRequest(server.url, method, path, {
      raw: method === 'GET' ? undefined : '{}',
      contentType: 'application/json',
    });
    t.is(res.status, 401, `${method} ${path}`);
    t.is((res.json as { errorCode?: string }).errorCode, 'ERR_API_TOKEN_MISSING', `${method} ${path}`);
    const wrong = await httpRequest(server.url, method, path, { headers: { 'dapr-api-token': `${TOKEN}x` } });
    t.is(wrong.status, 401, `${method} ${path} with a wrong token`);
    t.is((wrong.json as { errorCode?: string }).errorCode, 'ERR_API_TOKEN_INVALID');
    const right = await httpRequest(server.url, method, path, { headers: { 'dapr-api-token': TOKEN } });
    t.not(right.status, 401, `${method} ${path} with the token`);
  }
  t.is((await httpRequest(server.url, 'GET', '/v1.0/healthz')).status, 204);
  t.is((await httpRequest(server.url, 'GET', '/v1.0/healthz/outbound')).status, 204);
  // With the token, metadata shows where etcd and the app are.
  const meta = await httpRequest(server.url, 'GET', '/v1.0/metadata', {
    headers: { 'dapr-api-token': TOKEN },
  });
  t.like(meta.json, { appConnectionProperties: { channelAddress: appUrl }, etcd: { embedded: true } });
});

// (Whitespace around a header value is not part of it in HTTP, so a padded token is the token.)
test('header variants: missing, empty, wrong case, cut, doubled or conflicting tokens never pass', async (t) => {
  const variants: Array<Record<string, string>> = [
    {},
    { 'dapr-api-token': '' },
    { 'dapr-api-token': TOKEN.toUpperCase() },
    { 'dapr-api-token': `${TOKEN}, ${TOKEN}` },
    { 'dapr-api-token': TOKEN.slice(0, -1) },
    { 'dapr-api-token': TOKEN, authorization: 'Bearer nope' },
    { authorization: `Basic ${TOKEN}` },
    { authorization: TOKEN },
    { 'x-dapr-api-token': TOKEN },
    { 'dapr-api-tokens': TOKEN },
  ];
  for (const headers of variants) {
    const res = await httpRequest(server.url, 'GET', '/v1.0/jobs', { headers });
    t.is(res.status, 401, JSON.stringify(headers));
  }
  // Header names are case-insensitive in HTTP: this is the same header, and it passes.
  t.is(
    (await httpRequest(server.url, 'GET', '/v1.0/jobs', { headers: { 'DAPR-API-TOKEN': TOKEN } })).status,
    200,
  );
  t.is(
    (await httpRequest(server.url, 'GET', '/v1.0/jobs', { headers: { authorization: `Bearer ${TOKEN}` } }))
      .status,
    200,
  );
});

test('the official DaprClient with daprApiToken drives a workflow', async (t) => {
  const client = daprHttpClient(server.port, { apiToken: TOKEN });
  await client.start();
  t.teardown(() => client.stop());
  const id = await client.workflow.scheduleNewWorkflow('approval', { item: 'token' }, 'token-1');
  await waitFor(
    async () => String((await client.workflow.getWorkflowState(id)).runtimeStatus) === 'RUNNING',
    {
      what: 'token-1 running',
    },
  );
  await client.workflow.raiseEvent(id, 'approve', true);
  await waitFor(
    async () => String((await client.workflow.getWorkflowState(id)).runtimeStatus) === 'COMPLETED',
    {
      what: 'token-1 completed',
    },
  );
  // The same call without the token: refused, nothing stored.
  const refused = await httpRequest(server.url, 'POST', `${WF[0]}/approval/start?instanceID=token-2`, {
    body: {},
  });
  t.is(refused.status, 401);
  t.is(
    (await httpRequest(server.url, 'GET', `${WF[0]}/token-2`, { headers: { 'dapr-api-token': TOKEN } }))
      .status,
    404,
  );
});

test('job callbacks carry the app token in dapr-api-token', async (t) => {
  const res = await httpRequest(server.url, 'POST', '/v1.0-alpha1/jobs/with-app-token', {
    body: { dueTime: '0s', data: 1 },
    headers: { 'dapr-api-token': TOKEN },
  });
  t.is(res.status, 204, res.text);
  await waitFor(() => callbacks.some((c) => c.url === '/job/with-app-token'), { what: 'the callback' });
  const call = callbacks.find((c) => c.url === '/job/with-app-token');
  t.is(call?.headers['dapr-api-token'], APP_TOKEN);
});

test('the CLI sends --api-token or $TICKFLOW_API_TOKEN; without one it says how to pass it', async (t) => {
  const base = ['--server', server.url, 'jobs', 'list'];
  const refused = await runCli(base);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /ERR_API_TOKEN_MISSING.*pass --api-token or set TICKFLOW_API_TOKEN/);
  t.is((await runCli(['--api-token', TOKEN, ...base])).code, 0);
  t.is((await runCli(base, { env: { TICKFLOW_API_TOKEN: TOKEN } })).code, 0);
  t.is((await runCli(base, { env: { DAPR_API_TOKEN: TOKEN } })).code, 0);
});

test('a non-loopback --host without a token is refused; a short token too', async (t) => {
  const open = await runCli([
    'serve',
    '--port',
    '0',
    '--host',
    '0.0.0.0',
    '--data-dir',
    '/nonexistent/never-used',
  ]);
  t.is(open.code, 1);
  t.regex(open.stderr, /--host 0\.0\.0\.0 accepts requests from other machines.*--api-token.*--insecure/);
  const short = await runCli([
    'serve',
    '--port',
    '0',
    '--api-token',
    'short',
    '--data-dir',
    '/nonexistent/never-used',
  ]);
  t.is(short.code, 1);
  t.regex(short.stderr, /at least 16 characters/);
});

test("serve's embedded etcd is on owner-only sockets with auth on: without the user in the owner-only credentials file, nothing is read or written", async (t) => {
  t.deepEqual(
    server.etcdHosts,
    [`unix://${join(server.dataDir, 'etcd.sock', 'client.sock:0')}`],
    'no TCP port',
  );
  t.is((await stat(join(server.dataDir, 'etcd.sock'))).mode & 0o777, 0o700);
  const file = join(server.dataDir, 'etcd.credentials.json');
  t.is((await stat(file)).mode & 0o777, 0o600, 'only the owner may read the password');
  const anonymous = await connectEtcd({ hosts: server.etcdHosts });
  t.teardown(() => anonymous.close());
  await t.throwsAsync(anonymous.range('/tickflow/', { limit: 1 }), {
    message: /user name is empty|permission denied/i,
  });
  await t.throwsAsync(anonymous.txn([], [{ op: 'put', key: '/tickflow/evil', value: 'x' }]), {
    message: /user name is empty|permission denied/i,
  });
  const owner = await connectEtcd({ hosts: server.etcdHosts, auth: await server.etcdAuth() });
  t.teardown(() => owner.close());
  t.true((await owner.range('/tickflow/', { limit: 1 })).entries.length > 0);
});
