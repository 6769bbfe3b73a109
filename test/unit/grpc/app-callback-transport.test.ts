/**
 * The gRPC transport against real grpc-js servers on loopback: the statuses an app answers, and
 * how "never reached" is told from "reached but slow".
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { AppCallbackTransport } from '../../../src/grpc/app-callback-transport.js';
import type { JobCallback } from '../../../src/server/delivery/job-callback.js';
import { GrpcCallbackApp } from '../../integration/server/grpc-callback-app.js';

const callback = (name: string): JobCallback => ({
  name,
  data: { n: 1 },
  scheduledTime: '2026-12-03T10:00:00.000Z',
  attempt: 2,
  deliveryId: 'fedcba9876543210fedcba9876543210',
});

function transport(t: ExecutionContext, address: string): AppCallbackTransport {
  const made = new AppCallbackTransport({ address, appApiToken: 'app-token' });
  t.teardown(() => made.close());
  return made;
}

async function app(t: ExecutionContext): Promise<GrpcCallbackApp> {
  const started = await GrpcCallbackApp.start();
  t.teardown(() => started.close());
  return started;
}

test('OK is delivered, with the token and the callback facts as metadata', async (t) => {
  const server = await app(t);
  t.deepEqual(await transport(t, server.address).send(callback('hello'), 5_000), {
    kind: 'ok',
    detail: 'the app answered OK',
  });
  t.like(server.events[0], { name: 'hello', data: { n: 1 }, method: 'job/hello' });
  t.like(server.events[0]?.metadata, {
    'dapr-api-token': 'app-token',
    'tickflow-job-name': 'hello',
    'tickflow-job-scheduled-time': '2026-12-03T10:00:00.000Z',
    'tickflow-job-attempt': '2',
    'tickflow-delivery-id': 'fedcba9876543210fedcba9876543210',
  });
});

test('statuses: UNIMPLEMENTED and NOT_FOUND are no handler, INTERNAL an error of the app', async (t) => {
  const server = await app(t);
  const client = transport(t, server.address);
  t.like(await client.send(callback('nohandler-x'), 5_000), { kind: 'not_found' });
  t.like(await client.send(callback('missing-x'), 5_000), { kind: 'not_found' });
  const failed = await client.send(callback('fail-x'), 5_000);
  t.like(failed, { kind: 'app_error' });
  t.regex(failed.detail, /INTERNAL: answered INTERNAL on purpose/);
});

test('a call that reached the app and got no answer in time is a timeout', async (t) => {
  const server = await app(t);
  const client = transport(t, server.address);
  // Connect first, as a running delivery would have.
  t.is(await client.probe(new AbortController().signal), undefined);
  t.deepEqual(await client.send(callback('slow-x'), 300), {
    kind: 'timeout',
    detail: 'no answer within 300 ms',
  });
});

test('nothing listening: unreachable, refused', async (t) => {
  const server = await app(t);
  const address = server.address;
  await server.close();
  const result = await transport(t, address).send(callback('x'), 5_000);
  t.like(result, { kind: 'unreachable', refused: true });
  t.regex(result.detail, /ECONNREFUSED/);
  t.regex((await transport(t, address).probe(new AbortController().signal)) ?? '', /no connection/);
});

test('a peer that accepts TCP but never speaks HTTP/2: the deadline passes unconnected, so unreachable', async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  t.deepEqual(await transport(t, address).send(callback('x'), 300), {
    kind: 'unreachable',
    refused: false,
    detail: 'could not connect within 300 ms',
  });
});
