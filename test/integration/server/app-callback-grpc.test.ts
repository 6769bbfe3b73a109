/**
 * `tickflow serve --app-protocol grpc`: job triggers reach the app through Dapr's
 * `AppCallbackAlpha.OnJobEventAlpha1`, with the failure policy and staging of HTTP delivery.
 * The apps are real gRPC servers: one built with grpc-js from the protos @dapr/dapr publishes,
 * and the official @dapr/dapr DaprServer in gRPC mode.
 */
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CommunicationProtocolEnum, DaprServer, LogLevel } from '@dapr/dapr';
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { makeTestCerts } from '../../helpers/test-certs.js';
import { GrpcCallbackApp } from './grpc-callback-app.js';

const APP_TOKEN = 'app-token-for-grpc-callbacks';
// An app that is down when its job falls due: reserve a port, then close it until the test reopens it.
const [app, downApp] = await Promise.all([GrpcCallbackApp.start(), GrpcCallbackApp.start()]);
await downApp.close();
const grpcArgs = (address: string): string[] => ['--app-protocol', 'grpc', '--app-url', address];
const [server, downServer] = await Promise.all([
  startServerProcess({ args: [...grpcArgs(app.address), '--app-api-token', APP_TOKEN] }),
  startServerProcess({ args: grpcArgs(downApp.address) }),
]);
test.after.always(async () => {
  await Promise.all([server.stop(), downServer.stop()]);
  await Promise.all([app.close(), downApp.close()]);
});

async function metric(target: ServerProcess, pattern: RegExp): Promise<number> {
  const match = pattern.exec((await target.request('GET', '/metrics')).text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

async function jobGone(target: ServerProcess, name: string): Promise<void> {
  await waitFor(async () => (await target.request('GET', `/v1.0-alpha1/jobs/${name}`)).status === 404, {
    what: `job ${name} done`,
    timeoutMs: 20_000,
  });
}

test('a trigger is an OnJobEventAlpha1 call: Dapr’s message, the data as a Value, the token and the callback metadata', async (t) => {
  const dueTime = new Date(Date.now() + 200).toISOString();
  const res = await server.request('POST', '/v1.0-alpha1/jobs/grpc-hello', {
    body: { dueTime, data: { hello: 'grpc', n: [1, 2] } },
  });
  t.is(res.status, 204, res.text);
  const [event] = await app.waitForEvents('grpc-hello', 1);
  t.like(event, {
    name: 'grpc-hello',
    data: { hello: 'grpc', n: [1, 2] },
    typeUrl: 'type.googleapis.com/google.protobuf.Value',
    method: 'job/grpc-hello',
    contentType: 'application/json',
    verb: 'POST',
  });
  t.like(event?.metadata, {
    'dapr-api-token': APP_TOKEN,
    'tickflow-job-name': 'grpc-hello',
    'tickflow-job-scheduled-time': dueTime,
    'tickflow-job-attempt': '1',
  });
  t.regex(event?.metadata['tickflow-delivery-id'] ?? '', /^[0-9a-f]{32}$/);
  t.true((event?.at ?? 0) >= Date.parse(dueTime), 'never early');
  await jobGone(server, 'grpc-hello');
});

test('an error status is a failure: the policy retries the same tick (same delivery id, attempts 1..3), then drops it', async (t) => {
  const res = await server.request('POST', '/v1.0-alpha1/jobs/fail-grpc', {
    body: { dueTime: '0s', failurePolicy: { constant: { interval: '200ms', maxRetries: 2 } } },
  });
  t.is(res.status, 204, res.text);
  const events = await app.waitForEvents('fail-grpc', 3);
  await jobGone(server, 'fail-grpc');
  t.is(app.eventsFor('fail-grpc').length, 3);
  t.deepEqual(
    events.map((e) => e.metadata['tickflow-job-attempt']),
    ['1', '2', '3'],
  );
  t.is(new Set(events.map((e) => e.metadata['tickflow-delivery-id'])).size, 1);
  t.true((await metric(server, /^tickflow_app_deliveries_total\{outcome="app_error"\} (\d+)$/m)) >= 3);
  t.regex(
    server.stderr(),
    /job "fail-grpc": delivery to grpc:\/\/127\.0\.0\.1:\d+ .* failed \(attempt 1\): the app answered INTERNAL/,
  );
});

test('UNIMPLEMENTED and NOT_FOUND are delivered without a handler (as 404 over HTTP): no retry', async (t) => {
  for (const name of ['nohandler-grpc', 'missing-grpc']) {
    const res = await server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body: { dueTime: '0s' } });
    t.is(res.status, 204, res.text);
    await app.waitForEvents(name, 1);
    await jobGone(server, name);
    t.is(app.eventsFor(name).length, 1, name);
  }
  t.true((await metric(server, /^tickflow_app_deliveries_total\{outcome="not_found"\} (\d+)$/m)) >= 2);
});

test('a cron job: each tick has its own delivery id and scheduled time', async (t) => {
  const res = await server.request('POST', '/v1.0-alpha1/jobs/grpc-every', {
    body: { schedule: '@every 1s', repeats: 2 },
  });
  t.is(res.status, 204, res.text);
  const events = await app.waitForEvents('grpc-every', 2);
  await jobGone(server, 'grpc-every');
  const [first, second] = events;
  t.not(first?.metadata['tickflow-delivery-id'], second?.metadata['tickflow-delivery-id']);
  t.is(
    Date.parse(second?.metadata['tickflow-job-scheduled-time'] ?? '') -
      Date.parse(first?.metadata['tickflow-job-scheduled-time'] ?? ''),
    1_000,
  );
});

test('an app that is not running (UNAVAILABLE): the trigger is staged, no retry spent, and delivered once it listens', async (t) => {
  const res = await downServer.request('POST', '/v1.0-alpha1/jobs/grpc-later', {
    body: { dueTime: '0s', data: 'later', failurePolicy: { drop: {} } },
  });
  t.is(res.status, 204, res.text);
  await waitFor(
    async () => (await metric(downServer, /^tickflow_jobs_staged_total\{target="app"\} (\d+)$/m)) >= 1,
    { what: 'the trigger staged' },
  );
  t.is(await metric(downServer, /^tickflow_jobs_failed_total\{target="app"\} (\d+)$/m), 0);
  t.is(await metric(downServer, /^tickflow_app_instance_reachable\{instance="grpc:\/\/[^"]+"\} (\d+)$/m), 0);
  await downApp.listen();
  const [event] = await downApp.waitForEvents('grpc-later', 1, 30_000);
  t.is(event?.data, 'later');
  await jobGone(downServer, 'grpc-later');
  t.is(downApp.eventsFor('grpc-later').length, 1);
  t.regex(downServer.stderr(), /app instance grpc:\/\/127\.0\.0\.1:\d+ answers again/);
});

test('the official @dapr/dapr DaprServer in gRPC mode receives the trigger (its OnJobEventAlpha1 answers OK)', async (t) => {
  const port = await freePort();
  const dapr = new DaprServer({
    serverHost: '127.0.0.1',
    serverPort: String(port),
    communicationProtocol: CommunicationProtocolEnum.GRPC,
    // The SDK's client side is not started: the test runs the app server only (no sidecar).
    clientOptions: { daprHost: '127.0.0.1', daprPort: '1' },
    logger: { level: LogLevel.Error },
  });
  // DaprServer 3.18 serves OnJobEventAlpha1 but offers no way to register a job handler: it answers
  // an empty JobEventResponse. The test observes the SDK's own implementation object.
  const impl = (
    dapr.daprServer as unknown as {
      getServerImpl(): { onJobEventAlpha1(request: { name: string }, context: unknown): Promise<unknown> };
    }
  ).getServerImpl();
  const received: string[] = [];
  const original = impl.onJobEventAlpha1.bind(impl);
  impl.onJobEventAlpha1 = async (request, context) => {
    received.push(request.name);
    return original(request, context);
  };
  await dapr.daprServer.start('127.0.0.1', String(port));
  t.teardown(() => dapr.daprServer.stop());
  const sdkServer = await startServerProcess({ args: grpcArgs(`127.0.0.1:${port}`) });
  t.teardown(() => sdkServer.stop());
  const res = await sdkServer.request('POST', '/v1.0-alpha1/jobs/to-the-sdk', {
    body: { dueTime: '0s', data: { from: 'tickflow' } },
  });
  t.is(res.status, 204, res.text);
  await jobGone(sdkServer, 'to-the-sdk');
  t.deepEqual(received, ['to-the-sdk']);
  t.is(await metric(sdkServer, /^tickflow_app_deliveries_total\{outcome="ok"\} (\d+)$/m), 1);
});

test('--app-protocol grpcs: callbacks over TLS, the app certificate checked against --app-ca', async (t) => {
  const certs = await makeTestCerts();
  t.teardown(() => rm(certs.dir, { recursive: true, force: true }));
  const tlsApp = await GrpcCallbackApp.start(0, {
    key: await readFile(certs.serverKey),
    cert: await readFile(certs.serverCert),
  });
  t.teardown(() => tlsApp.close());
  const tlsServer = await startServerProcess({
    args: ['--app-protocol', 'grpcs', '--app-url', tlsApp.address, '--app-ca', certs.ca],
  });
  t.teardown(() => tlsServer.stop());
  const res = await tlsServer.request('POST', '/v1.0-alpha1/jobs/over-tls', {
    body: { dueTime: '0s', data: 1 },
  });
  t.is(res.status, 204, res.text);
  const [event] = await tlsApp.waitForEvents('over-tls', 1);
  t.is(event?.data, 1);
  await jobGone(tlsServer, 'over-tls');
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
