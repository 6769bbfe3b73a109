/**
 * The HTTP transport against real loopback servers: what it sends, and how each way of failing is
 * classified (an answer of the app, or the app not reached). DNS failures and hanging lookups are
 * simulated through the transport's `lookup`, so no test leaves loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { HttpTransport } from '../../../../src/server/delivery/http-transport.js';
import type { JobCallback } from '../../../../src/server/delivery/job-callback.js';

const callback: JobCallback = {
  name: 'report/été',
  data: { report: 'sales' },
  scheduledTime: '2026-12-03T10:00:00.000Z',
  attempt: 3,
  deliveryId: '0123456789abcdef0123456789abcdef',
};

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

async function app(
  t: ExecutionContext,
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

function transport(t: ExecutionContext, appUrl: string, lookup?: LookupFunction): HttpTransport {
  const made = new HttpTransport({ appUrl, appApiToken: 'app-token', ...(lookup && { lookup }) });
  t.teardown(() => made.close());
  return made;
}

test('POST {url}/job/{name}: the data as JSON, the token and the callback headers', async (t) => {
  const { url, received } = await app(t, (_req, res) => res.writeHead(200).end());
  t.deepEqual(await transport(t, `${url}/base/`).send(callback, 5_000), {
    kind: 'ok',
    detail: 'the app answered 200',
  });
  const [call] = received;
  t.is(call?.method, 'POST');
  t.is(call?.url, '/base/job/report%2F%C3%A9t%C3%A9');
  t.is(call?.body, '{"report":"sales"}');
  t.like(call?.headers, {
    'content-type': 'application/json',
    'dapr-api-token': 'app-token',
    'tickflow-job-name': 'report%2F%C3%A9t%C3%A9',
    'tickflow-job-scheduled-time': '2026-12-03T10:00:00.000Z',
    'tickflow-job-attempt': '3',
    'tickflow-delivery-id': '0123456789abcdef0123456789abcdef',
  });
});

test('no data: an empty body without a content type', async (t) => {
  const { url, received } = await app(t, (_req, res) => res.writeHead(204).end());
  t.is((await transport(t, url).send({ ...callback, data: undefined }, 5_000)).kind, 'ok');
  t.is(received[0]?.body, '');
  t.is(received[0]?.headers['content-type'], undefined);
});

test('answers: 404 is no handler, any other non-2xx (a redirect too) is an error of the app', async (t) => {
  for (const [status, kind] of [
    [404, 'not_found'],
    [500, 'app_error'],
    [503, 'app_error'],
    [302, 'app_error'],
  ] as const) {
    const { url } = await app(t, (_req, res) =>
      res.writeHead(status, { location: 'http://elsewhere/' }).end(),
    );
    t.deepEqual(await transport(t, url).send(callback, 5_000), {
      kind,
      detail: `the app answered ${status}`,
    });
  }
});

test('a refused connection is unreachable, and says refused', async (t) => {
  const { url, server } = await app(t, (_req, res) => res.end());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const result = await transport(t, url).send(callback, 5_000);
  t.like(result, { kind: 'unreachable', refused: true });
  t.regex(result.detail, /ECONNREFUSED/);
});

test('a name that does not resolve is unreachable, not refused', async (t) => {
  const failing: LookupFunction = (hostname, _options, done) =>
    done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
  const result = await transport(t, 'http://no-such-app.invalid:3000', failing).send(callback, 5_000);
  t.like(result, { kind: 'unreachable', refused: false });
  t.regex(result.detail, /ENOTFOUND/);
});

test('no connection within the deadline (a lookup that never answers) is unreachable', async (t) => {
  const hanging: LookupFunction = () => undefined;
  t.deepEqual(await transport(t, 'http://stuck.invalid:3000', hanging).send(callback, 200), {
    kind: 'unreachable',
    refused: false,
    detail: 'could not connect within 200 ms',
  });
});

test('a request sent but not answered within the deadline is a timeout (a failure of the app)', async (t) => {
  const { url, received } = await app(t, () => undefined);
  t.deepEqual(await transport(t, url).send(callback, 300), {
    kind: 'timeout',
    detail: 'no answer within 300 ms',
  });
  t.is(received.length, 1);
});

test('a connection reset before any answer is unreachable (the app went away)', async (t) => {
  const { url, received } = await app(t, (req) => req.socket.destroy());
  const result = await transport(t, url).send(callback, 5_000);
  t.like(result, { kind: 'unreachable', refused: false });
  t.is(received.length, 1);
});

test('probe: any answer counts; a closed port does not', async (t) => {
  const { url, server, received } = await app(t, (_req, res) => res.writeHead(500).end());
  const probing = transport(t, url);
  t.is(await probing.probe(new AbortController().signal), undefined);
  t.like(received[0], { method: 'GET', url: '/' });
  t.is(received[0]?.headers['dapr-api-token'], 'app-token');
  probing.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  t.regex((await transport(t, url).probe(new AbortController().signal)) ?? '', /ECONNREFUSED/);
});

test('a kept-alive connection that fails on reuse before an answer is retried once on a new connection', async (t) => {
  const served = new WeakMap<object, number>();
  // Serves one request per connection, then resets the connection on the next (as a server that
  // closed an idle connection while the request was on its way).
  const { url, received } = await app(t, (req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (count > 1) req.socket.destroy();
    else res.writeHead(200).end();
  });
  const client = transport(t, url);
  t.is((await client.send(callback, 5_000)).kind, 'ok');
  t.is((await client.send(callback, 5_000)).kind, 'ok');
  t.is(received.length, 3, 'the second callback went out twice: once on the stale connection, once anew');
});
