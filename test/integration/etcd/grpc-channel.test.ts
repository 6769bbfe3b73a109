import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import test from 'ava';
import { castGrpcError, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import { GrpcStatus, type GrpcCallError } from '../../../src/etcd/grpc-call-error.js';
import { GrpcChannel } from '../../../src/etcd/grpc-channel.js';
import { StoreTooLargeError } from '../../../src/etcd/errors.js';
import { toStoreError } from '../../../src/etcd/etcd-error.js';
import { findFreePort } from '../../../src/etcd/free-port.js';
import { notApplied } from '../../../src/etcd/retry-unsent.js';
import { waitFor } from '../../helpers/etcd-wait.js';

// The channel's protocol edges against a gRPC server written here on node:http2 (loopback, a free
// port): what etcd does in a healthy exchange is covered by every EtcdKv test against etcd itself.

type Handler = (stream: ServerHttp2Stream, request: Buffer) => void;

const requestHeaders = new WeakMap<ServerHttp2Stream, Record<string, unknown>>();

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

function answer(stream: ServerHttp2Stream, message: Buffer): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(frame(message));
}

async function server(t: { teardown(fn: () => unknown): void }, handler: Handler): Promise<string> {
  const h2: Http2Server = createServer();
  h2.on('stream', (stream, headers) => {
    requestHeaders.set(stream, headers);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => handler(stream, Buffer.concat(chunks).subarray(5)));
  });
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  t.teardown(() => new Promise((resolve) => h2.close(resolve)));
  const sessions = new Set<{ destroy(): void }>();
  h2.on('session', (s) => sessions.add(s));
  t.teardown(() => sessions.forEach((s) => s.destroy()));
  return `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
}

function channel(
  t: { teardown(fn: () => unknown): void },
  url: string,
  maxReceiveBytes = 1024,
  maxCallsPerConnection?: number,
): GrpcChannel {
  const c = new GrpcChannel(
    { url },
    {
      connectTimeoutMs: 2_000,
      maxReceiveBytes,
      pingTimeoutMs: 500,
      ...(maxCallsPerConnection !== undefined && { maxCallsPerConnection }),
    },
  );
  t.teardown(() => c.close());
  return c;
}

function runChild(args: string[]): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { timeout: 30_000 }, (error, stdout) => {
      if (error && error.killed) return reject(new Error('the child did not exit'));
      resolve({ stdout, code: typeof error?.code === 'number' ? error.code : 0 });
    }),
  );
}

const call = (c: GrpcChannel, body = 'ping', timeoutMs = 2_000): Promise<Buffer> =>
  c.unary('/test.Svc/Call', Buffer.from(body), { timeoutMs, metadata: { token: 'abc' } });

test('a unary call sends one framed message with its path, token and deadline, on one connection', async (t) => {
  const seen: Array<Record<string, unknown>> = [];
  const sessions = new Set<unknown>();
  const url = await server(t, (stream, request) => {
    seen.push({ ...requestHeaders.get(stream) });
    sessions.add(stream.session);
    answer(stream, Buffer.concat([Buffer.from('echo:'), request]));
  });
  const h2 = channel(t, url);
  t.is((await call(h2, 'hello', 1_500)).toString(), 'echo:hello');
  t.is((await call(h2, 'again')).toString(), 'echo:again');
  t.is(sessions.size, 1, 'the connection is reused');
  t.like(seen[0], {
    ':method': 'POST',
    ':path': '/test.Svc/Call',
    'content-type': 'application/grpc',
    te: 'trailers',
    token: 'abc',
    'grpc-timeout': '1500m',
  });
});

test('an error status comes back worded as grpc-js words it, percent-encoding undone', async (t) => {
  const url = await server(t, (stream) => {
    // "Trailers-only": the status in the only headers sent.
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(GrpcStatus.UNAVAILABLE),
        'grpc-message': 'etcdserver:%20no%20leader',
      },
      { endStream: true },
    );
  });
  const error = await t.throwsAsync<GrpcCallError>(call(channel(t, url)));
  t.is(error?.message, '14 UNAVAILABLE: etcdserver: no leader');
  t.is(error?.code, 14);
  const typed = castGrpcError(error as Error);
  t.true(typed instanceof GRPCUnavailableError);
  t.true(notApplied(typed), 'refused before raft saw it: safe to send again');
});

test('an answer over the receive limit fails as too large and nothing of it is kept', async (t) => {
  const url = await server(t, (stream) => answer(stream, Buffer.alloc(64 * 1024, 1)));
  const error = await t.throwsAsync(call(channel(t, url, 4096)));
  t.regex(error?.message ?? '', /^8 RESOURCE_EXHAUSTED: Received message larger than max/);
  t.true(toStoreError(castGrpcError(error as Error), 'range') instanceof StoreTooLargeError);
});

test('a call without an answer fails at its deadline; the live connection is kept', async (t) => {
  let calls = 0;
  const url = await server(t, (stream, request) => {
    if (++calls === 1) return; // never answers the first call
    answer(stream, request);
  });
  const h2 = channel(t, url);
  const error = await t.throwsAsync(call(h2, 'slow', 200));
  t.is(error?.message, '4 DEADLINE_EXCEEDED: Deadline exceeded');
  t.true(castGrpcError(error as Error) instanceof GRPCDeadlineExceededError);
  t.false(notApplied(castGrpcError(error as Error)), 'the outcome of a timed-out call is unknown');
  t.is((await call(h2, 'next')).toString(), 'next');
});

test('a connection that drops mid-call fails it as an unknown outcome; the next call reconnects', async (t) => {
  let calls = 0;
  const url = await server(t, (stream, request) => {
    if (++calls === 1) {
      stream.session?.destroy();
      return;
    }
    answer(stream, request);
  });
  const h2 = channel(t, url);
  const error = await t.throwsAsync(call(h2, 'first'));
  t.regex(error?.message ?? '', /^14 UNAVAILABLE: Connection dropped/);
  t.false(notApplied(castGrpcError(error as Error)));
  t.is((await call(h2, 'second')).toString(), 'second');
});

test('nothing listening: the call fails as not sent', async (t) => {
  const port = await findFreePort();
  const error = await t.throwsAsync(call(channel(t, `http://127.0.0.1:${port}`)));
  t.regex(error?.message ?? '', /^14 UNAVAILABLE: No connection established: .*ECONNREFUSED/);
  t.true(notApplied(castGrpcError(error as Error)));
});

test('a server answering in plain HTTP gets an error with its status, not a hang', async (t) => {
  const url = await server(t, (stream) => {
    stream.respond({ ':status': 503, 'content-type': 'text/plain' });
    stream.end('busy');
  });
  const error = await t.throwsAsync(call(channel(t, url)));
  t.is(error?.message, '14 UNAVAILABLE: HTTP status 503 from etcd');
});

test('a closed channel refuses calls', async (t) => {
  const url = await server(t, (stream, request) => answer(stream, request));
  const h2 = channel(t, url);
  await call(h2);
  h2.close();
  const error = await t.throwsAsync(call(h2));
  t.is(error?.message, '1 CANCELLED: channel closed');
});

test('a call in flight holds the process open, an idle connection does not', async (t) => {
  const url = await server(t, (stream, request) => {
    // Answer later: a process kept alive only by the call must still be there to print it.
    setTimeout(() => answer(stream, request), 300);
  });
  const { stdout, code } = await runChild(['--import', 'tsx', 'test/helpers/grpc-call-child.ts', url]);
  t.is(stdout, 'answer: child\n');
  t.is(code, 0, 'exited by itself once the answer came, with the connection still open');
});

test('a connection that stops answering is dropped after a missed deadline, and the next call reconnects', async (t) => {
  const url = await server(t, (stream, request) => answer(stream, request));
  // A TCP relay in front of the server that can freeze: bytes stop flowing both ways, sockets stay
  // open, as with a paused etcd or a cut network.
  let frozen = false;
  let connections = 0;
  let closed = 0;
  const relay = createNetServer((client) => {
    connections++;
    const upstream = netConnect(Number(new URL(url).port), '127.0.0.1');
    client.on('data', (b) => frozen || upstream.write(b));
    upstream.on('data', (b) => frozen || client.write(b));
    client.on('close', () => closed++);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  t.teardown(() => new Promise<void>((resolve) => relay.close(() => resolve())));
  const h2 = channel(t, `http://127.0.0.1:${(relay.address() as AddressInfo).port}`);
  t.is((await call(h2, 'before')).toString(), 'before');
  frozen = true;
  const error = await t.throwsAsync(call(h2, 'lost', 200));
  t.is(error?.message, '4 DEADLINE_EXCEEDED: Deadline exceeded');
  // The ping sent after the deadline goes unanswered (pingTimeoutMs 500): that connection is dropped.
  await waitFor(() => closed === 1, { what: 'the dead connection to be dropped' });
  frozen = false;
  t.is((await call(h2, 'after')).toString(), 'after');
  t.is(connections, 2, 'a new connection');
});

test('a connection is replaced after maxCallsPerConnection calls; its calls in flight still finish', async (t) => {
  const sessions: unknown[] = [];
  const held: Array<() => void> = [];
  const url = await server(t, (stream, request) => {
    if (!sessions.includes(stream.session)) sessions.push(stream.session);
    // The first connection's calls are answered only once the third call has been sent.
    if (sessions.indexOf(stream.session) === 0) held.push(() => answer(stream, request));
    else answer(stream, request);
    if (held.length === 2) held.splice(0).forEach((release) => setTimeout(release, 50));
  });
  const h2 = channel(t, url, 1024, 2);
  const first = call(h2, 'one');
  const second = call(h2, 'two');
  // The first connection has carried its two calls: the third opens another while they are open.
  t.is((await call(h2, 'three')).toString(), 'three');
  t.deepEqual((await Promise.all([first, second])).map(String), ['one', 'two']);
  t.is((await call(h2, 'four')).toString(), 'four');
  t.is((await call(h2, 'five')).toString(), 'five');
  t.is(sessions.length, 3, 'calls 1-2, 3-4 and 5 on three connections');
});
