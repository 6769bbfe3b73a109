/**
 * HTTPS for the API (issue 15): `tickflow serve --tls-cert --tls-key` serves TLS with a certificate
 * made by openssl in the test; with `--tls-ca` a client must present a certificate that CA signed.
 * Callbacks to an https app verify its certificate against the CAs Node trusts
 * (NODE_EXTRA_CA_CERTS adds the app's own CA).
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, startServerProcess } from '../../helpers/server-fixture.js';
import { makeTestCerts } from '../../helpers/test-certs.js';

const certs = await makeTestCerts();
test.after.always(() => rm(certs.dir, { recursive: true, force: true }));

/** One HTTPS request with node:https, so the CA and client certificate can be chosen. */
function httpsGet(
  url: string,
  options: { ca?: Buffer; cert?: Buffer; key?: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ca = readFileSync(certs.ca);

/** An https app with the test server certificate that records the paths called; closed after the test. */
async function httpsApp(t: ExecutionContext): Promise<{ calls: string[]; appUrl: string }> {
  const calls: string[] = [];
  const app = createHttpsServer(
    { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) },
    (req, res) => {
      calls.push(req.url ?? '');
      res.statusCode = 200;
      res.end();
    },
  );
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => app.close(() => resolve())));
  return { calls, appUrl: `https://127.0.0.1:${(app.address() as AddressInfo).port}` };
}

test('--tls-cert/--tls-key: the API answers over HTTPS to a client that trusts the CA, not over plain HTTP', async (t) => {
  const server = await startServerProcess({
    args: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey],
  });
  t.teardown(() => server.stop());
  t.regex(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.is((await httpsGet(`${server.url}/v1.0/healthz`, { ca })).status, 204);
  t.is((await httpsGet(`${server.url}/v1.0/jobs`, { ca })).status, 200);
  // A client that does not trust the CA refuses the certificate.
  await t.throwsAsync(httpsGet(`${server.url}/v1.0/healthz`, {}), {
    message: /self[- ]signed|unable to verify|certificate/i,
  });
  // Plain HTTP to the TLS port gets no API answer.
  await t.throwsAsync(fetch(server.url.replace('https:', 'http:') + '/v1.0/healthz'));
});

test('--tls-ca: only clients with a certificate signed by that CA get in', async (t) => {
  const server = await startServerProcess({
    args: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca],
  });
  t.teardown(() => server.stop());
  const withCert = await httpsGet(`${server.url}/v1.0/jobs`, {
    ca,
    cert: readFileSync(certs.clientCert),
    key: readFileSync(certs.clientKey),
  });
  t.is(withCert.status, 200);
  await t.throwsAsync(httpsGet(`${server.url}/v1.0/jobs`, { ca }));
});

test('callbacks to an https app verify its certificate (its CA given through NODE_EXTRA_CA_CERTS)', async (t) => {
  const { calls, appUrl } = await httpsApp(t);
  const server = await startServerProcess({ appUrl, env: { NODE_EXTRA_CA_CERTS: certs.ca } });
  t.teardown(() => server.stop());
  const res = await server.request('POST', '/v1.0-alpha1/jobs/over-tls', { body: { dueTime: '0s' } });
  t.is(res.status, 204, res.text);
  await waitFor(() => calls.includes('/job/over-tls'), { what: 'the callback over TLS' });
  t.pass();
});

test("--app-ca: callbacks trust the app certificate's CA; without it the delivery fails, logged with the cause", async (t) => {
  const { calls, appUrl } = await httpsApp(t);

  const trusting = await startServerProcess({ appUrl, args: ['--app-ca', certs.ca] });
  t.teardown(() => trusting.stop());
  t.is((await trusting.request('POST', '/v1.0-alpha1/jobs/app-ca', { body: { dueTime: '0s' } })).status, 204);
  await waitFor(() => calls.includes('/job/app-ca'), { what: 'the callback trusting --app-ca' });

  const untrusting = await startServerProcess({ appUrl });
  t.teardown(() => untrusting.stop());
  const body = { dueTime: '0s', failurePolicy: { drop: {} } };
  t.is((await untrusting.request('POST', '/v1.0-alpha1/jobs/no-ca', { body })).status, 204);
  await waitFor(() => /job "no-ca": delivery to .* failed .*certificate/i.test(untrusting.stderr()), {
    what: 'the failed delivery logged with its certificate cause',
  });
  t.false(calls.includes('/job/no-ca'));
});

test('--tls-cert without --tls-key, or an unreadable file, is one clear error', async (t) => {
  const half = await runCli(['serve', '--port', '0', '--tls-cert', certs.serverCert]);
  t.is(half.code, 2);
  t.regex(half.stderr, /--tls-cert and --tls-key go together/);
  const missing = await runCli([
    'serve',
    '--port',
    '0',
    '--tls-cert',
    '/nope.pem',
    '--tls-key',
    certs.serverKey,
  ]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /--tls-cert \/nope\.pem: cannot read it \(ENOENT\)/);
});
