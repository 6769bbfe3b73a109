import { once } from 'node:events';
import { createServer } from 'node:http2';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import test from 'ava';
import { type IRangeRequest, type IRangeResponse } from 'etcd3';
import { unaryMethod } from '../../../src/etcd/etcd-rpc.js';
import { EtcdUnaryClient } from '../../../src/etcd/etcd-unary-client.js';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { toStoreError } from '../../../src/etcd/etcd-error.js';
import { StoreUnavailableError } from '../../../src/etcd/errors.js';

// Member routing of tickflow's unary etcd client, against a member that is down (a free port
// nothing listens on) and one that answers (an HTTP/2 server here answering etcd's Range).

const RANGE = unaryMethod<IRangeRequest, IRangeResponse>('KV', 'Range');
const proto = join(
  dirname(createRequire(import.meta.url).resolve('etcd3/package.json')),
  'proto',
  'rpc.proto',
);
const definitions = loadSync(proto, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const rangeDefinition = (
  definitions['etcdserverpb.KV'] as Record<string, MethodDefinition<unknown, unknown>>
)['Range'] as MethodDefinition<IRangeRequest, IRangeResponse>;

async function liveMember(t: {
  teardown(fn: () => unknown): void;
}): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const answer = rangeDefinition.responseSerialize({
    header: { revision: '42' },
    kvs: [{ key: Buffer.from('k'), value: Buffer.from('v'), create_revision: '7', mod_revision: '9' }],
    count: '1',
  } as unknown as IRangeResponse);
  const frame = Buffer.alloc(5 + answer.length);
  frame.writeUInt32BE(answer.length, 1);
  answer.copy(frame, 5);
  const h2 = createServer();
  h2.on('stream', (stream) => {
    stream.resume();
    stream.on('end', () => {
      calls++;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame);
    });
  });
  const sessions = new Set<{ destroy(): void }>();
  h2.on('session', (s) => sessions.add(s));
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  t.teardown(() => {
    sessions.forEach((s) => s.destroy());
    return new Promise<void>((resolve) => h2.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`, calls: () => calls };
}

function client(
  t: { teardown(fn: () => unknown): void },
  hosts: string[],
  retryDeadlineMs: number,
): EtcdUnaryClient {
  const c = new EtcdUnaryClient({
    hosts,
    requestTimeoutMs: 2_000,
    dialTimeoutMs: 2_000,
    retryDeadlineMs,
    maxReceiveBytes: 1024 * 1024,
  });
  t.teardown(() => c.close());
  return c;
}

test('a member that is down is passed over: every call is answered by the live one', async (t) => {
  const live = await liveMember(t);
  const down = `http://127.0.0.1:${await findFreePort()}`;
  const c = client(t, [down, live.url], 5_000);
  for (let i = 0; i < 6; i++) {
    const res = await c.call(RANGE, { key: Buffer.from('k') });
    t.is(res.kvs[0]?.value.toString(), 'v');
    t.is(res.header.revision, '42');
  }
  t.is(live.calls(), 6);
});

test('with every member down a call fails as unavailable and not applied, after its retries', async (t) => {
  const hosts = [`http://127.0.0.1:${await findFreePort()}`, `http://127.0.0.1:${await findFreePort()}`];
  const error = await t.throwsAsync(client(t, hosts, 300).call(RANGE, { key: Buffer.from('k') }));
  const stored = toStoreError(error, 'txn');
  t.true(stored instanceof StoreUnavailableError);
  t.false((stored as StoreUnavailableError).outcomeUnknown, 'never sent, so nothing was applied');
});
