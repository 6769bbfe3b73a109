import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startEmbeddedEtcd } from '../../../src/etcd/embedded-etcd.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { isAlive, runCli, startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { RecorderApp } from './recorder-app.js';

// An app that is down when its job falls due: reserve a port, then close it until the test reopens it.
const app = await RecorderApp.start();
await app.close();
// An etcd the test owns, for a server started with `--etcd <url>` (which must leave it running).
const externalDir = await mkdtemp(join(tmpdir(), 'tickflow-external-etcd-'));
const external = await startEmbeddedEtcd({ dataDir: externalDir });
// A second server without any app URL; the SIGTERM test stops it. The servers start at once, and
// every hook is declared after the last await (ava wants them in one synchronous run).
const [server, noApp, onExternal] = await Promise.all([
  startServerProcess({ appUrl: app.url }),
  startServerProcess(),
  startServerProcess({ args: ['--etcd', external.hosts.join(','), '--namespace', 'ext'] }),
]);
test.after.always(async () => {
  await Promise.all([server.stop(), noApp.stop(), onExternal.stop(), app.close()]);
  await external.stop();
  await rm(externalDir, { recursive: true, force: true });
});

async function metric(target: ServerProcess, pattern: RegExp): Promise<number> {
  const text = (await target.request('GET', '/metrics')).text;
  const match = pattern.exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

test('an app that is down at due time gets the job once it comes up', async (t) => {
  const dueAt = Date.now() + 300;
  const res = await server.request('POST', '/v1.0-alpha1/jobs/while-down', {
    body: { dueTime: new Date(dueAt).toISOString(), data: { hello: 'later' } },
  });
  t.is(res.status, 204);
  // The refused callback stages the trigger (it is not a failure, so no retries are spent).
  await waitFor(
    async () => (await metric(server, /^tickflow_jobs_staged_total\{target="app"\} (\d+)$/m)) >= 1,
    {
      what: 'the trigger staged',
    },
  );
  t.true((await metric(server, /^tickflow_app_deliveries_total\{outcome="refused"\} (\d+)$/m)) >= 1);
  t.is(await metric(server, /^tickflow_jobs_failed_total\{target="app"\} (\d+)$/m), 0);
  t.is(app.calls.length, 0);

  await app.listen();
  const [call] = await app.waitForCalls('while-down', 1, 30_000);
  t.deepEqual(JSON.parse(call!.body), { hello: 'later' });
  t.true(call!.at >= dueAt);
  await waitFor(async () => (await server.request('GET', '/v1.0-alpha1/jobs/while-down')).status === 404, {
    what: 'the job done',
  });
  t.is(app.callsFor('while-down').length, 1);
});

test('without an app URL triggers stay staged; SIGTERM then shuts down cleanly (exit 0, etcd gone)', async (t) => {
  const meta = (await noApp.request('GET', '/v1.0/metadata')).json as { appConnectionProperties: object };
  t.deepEqual(meta.appConnectionProperties, {});
  t.is((await noApp.request('POST', '/v1.0/jobs/nobody-home', { body: { dueTime: '0s' } })).status, 204);
  await waitFor(async () => (await metric(noApp, /^tickflow_jobs_staged (\d+)$/m)) === 1, { what: 'staged' });
  t.is((await noApp.request('GET', '/v1.0/jobs/nobody-home')).status, 200, 'a staged job is kept');

  const etcdPid = noApp.etcdPid;
  t.true(etcdPid !== undefined && isAlive(etcdPid));
  const status = await noApp.stop();
  t.deepEqual(status, { code: 0, signal: null });
  t.false(isAlive(etcdPid!), 'the embedded etcd was stopped');
  t.regex(noApp.stderr(), /received SIGTERM; shutting down/);
  t.regex(noApp.stderr(), /tickflow stopped/);
  await t.throwsAsync(() => fetch(`${noApp.url}/v1.0/healthz`), undefined, 'the port is closed');
});

test('with --etcd <urls> the server uses that etcd and leaves it running on shutdown', async (t) => {
  const meta = (await onExternal.request('GET', '/v1.0/metadata')).json as {
    namespace: string;
    etcd: { embedded: boolean; hosts: string[]; pid?: number };
  };
  t.is(meta.namespace, 'ext');
  t.deepEqual(meta.etcd, { embedded: false }, 'no addresses without an API token');
  t.deepEqual(onExternal.etcdHosts, external.hosts);
  t.is((await onExternal.request('POST', '/v1.0/jobs/kept', { body: { dueTime: '1h' } })).status, 204);
  t.deepEqual(await onExternal.stop(), { code: 0, signal: null });
  t.true(isAlive(external.pid), 'an etcd the server did not start is not stopped');
  // The job is in the external etcd, under the server's namespace.
  const kv = await connectEtcd({ hosts: external.hosts });
  try {
    const { entries } = await kv.range('/');
    t.true(entries.some((e) => e.key.includes('/ext/') && e.key.endsWith('/kept')));
  } finally {
    await kv.close();
  }
});

test('serve fails with one line and exit 1 on a bad --workflows module or a taken port; exit 2 on bad options', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-serve-bad-'));
  try {
    const missing = await runCli([
      'serve',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--workflows',
      join(dir, 'nope.ts'),
    ]);
    t.is(missing.code, 1);
    t.regex(missing.stderr.trim(), /^error: --workflows \S+nope\.ts: no such file/);
    t.is(missing.stderr.trim().split('\n').length, 1);

    const badModule = join(dir, 'bad.mjs');
    await writeFile(badModule, 'export const workflows = { broken: 42 };\n');
    const bad = await runCli(['serve', '--port', '0', '--data-dir', dir, '--workflows', badModule]);
    t.is(bad.code, 1);
    t.regex(
      bad.stderr.trim(),
      /^error: --workflows \S+bad\.mjs: workflows\.broken must be a function, got number$/,
    );

    const taken = await runCli(['serve', '--port', String(server.port), '--data-dir', join(dir, 'taken')]);
    t.is(taken.code, 1, taken.stderr);
    t.regex(
      taken.stderr.trim(),
      new RegExp(`^error: port ${server.port} on 127\\.0\\.0\\.1 is already in use`),
    );

    const badPort = await runCli(['serve', '--port', '99999']);
    t.is(badPort.code, 2);
    t.regex(badPort.stderr.trim(), /^error: option '--port <port>' argument '99999' is invalid/);
    const badUrl = await runCli(['serve', '--port', '0', '--data-dir', dir, '--app-url', 'ftp://x']);
    t.is(badUrl.code, 2);
    t.regex(
      badUrl.stderr.trim(),
      /^error: option '--app-url <url>' argument 'ftp:\/\/x' is invalid\. Expected an http/,
    );
    // Node's fetch never calls port 6000 ("bad port"): refused at start-up, not dropped job by job.
    const badPortUrl = await runCli([
      'serve',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--app-url',
      'http://127.0.0.1:6000',
    ]);
    t.is(badPortUrl.code, 2);
    t.regex(
      badPortUrl.stderr.trim(),
      /argument 'http:\/\/127\.0\.0\.1:6000' is invalid\. Port 6000 is one Node's fetch refuses/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  t.is((await server.request('GET', '/v1.0/healthz')).status, 204, 'the running server was not disturbed');
});
