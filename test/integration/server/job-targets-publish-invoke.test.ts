// Jobs that publish to a pub/sub topic or invoke another app at their time (issue 18, section 2),
// against a real `tickflow serve` with a real Redis (Debian's redis-server on a loopback port).
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { Redis } from 'ioredis';
import { startRedis } from '../../helpers/redis-server.js';
import { startServerProcess, type HttpResult } from '../../helpers/server-fixture.js';
import { PubSubInvokeApp, type Received } from './pubsub-invoke-app.js';

const JOBS = '/v1.0-alpha1/jobs';

// Each resource is stopped in reverse start order. ava takes declarations only once every
// top-level await is done, so the hook comes after the last start (and a failed start cleans up).
const cleanup: Array<() => Promise<unknown>> = [];
const stopAll = async (): Promise<void> => {
  for (const step of cleanup.reverse()) await step();
};

const { subscriber, billing, server, redisUrl } = await (async () => {
  try {
    const redis = await startRedis();
    cleanup.push(() => redis.stop());

    // The subscriber is the server's own app (--app-url). /flaky answers RETRY once, then SUCCESS;
    // /dropped answers DROP.
    const subscriber = await PubSubInvokeApp.start(
      [
        { pubsubname: 'events', topic: 'orders', route: '/orders' },
        { pubsubname: 'events', topic: 'flaky', routes: { default: 'flaky' } },
        { pubsubname: 'events', topic: 'dropped', route: '/dropped' },
        { pubsubname: 'events', topic: 'gone', route: '/gone' },
      ],
      (r, seen) => {
        if (r.path === '/flaky' && seen === 0) return { status: 200, body: { status: 'RETRY' } };
        if (r.path === '/dropped') return { status: 200, body: { status: 'DROP' } };
        if (r.path === '/gone') return { status: 404 };
        return { status: 200 };
      },
    );
    // The invoked app: /fail answers 500, everything else 200. It announces no subscriptions (404).
    const billing = await PubSubInvokeApp.start(undefined, (r) => ({
      status: r.path === '/fail' ? 500 : 200,
    }));
    cleanup.push(
      () => subscriber.close(),
      () => billing.close(),
    );

    const server = await startServerProcess({
      appUrl: subscriber.url,
      args: [
        '--pubsub',
        // A short redelivery interval keeps the RETRY test fast (the default is 15 s).
        `events=${redis.url}?redeliverInterval=200ms`,
        '--app',
        `billing=${billing.url}`,
        '--no-grpc',
      ],
    });
    cleanup.push(() => server.stop());
    return { subscriber, billing, server, redisUrl: redis.url };
  } catch (error) {
    await stopAll();
    throw error;
  }
})();
test.after.always(stopAll);

interface ErrorJson {
  errorCode: string;
  message: string;
  field?: string;
  allowed?: string;
}

interface Envelope {
  id: string;
  source: string;
  type: string;
  specversion: string;
  datacontenttype: string;
  data?: unknown;
  topic: string;
  pubsubname: string;
  traceid: string;
  traceparent: string;
  tracestate: string;
  time: string;
}

const errorOf = (res: HttpResult): ErrorJson => res.json as ErrorJson;
const envelope = (r: Received): Envelope => JSON.parse(r.body) as Envelope;

function schedule(name: string, body: unknown): Promise<HttpResult> {
  return server.request('POST', `${JOBS}/${name}`, { body });
}

test('a publish job delivers a Dapr CloudEvent to the subscriber at its time, never early', async (t) => {
  const sent = Date.now();
  const res = await schedule('publish-order', {
    dueTime: '1s',
    target: { publish: { pubsubName: 'events', topic: 'orders', data: { orderId: 7 } } },
  });
  t.is(res.status, 204, res.text);
  const shown = await server.request('GET', `${JOBS}/publish-order`);
  t.deepEqual((shown.json as { target: unknown }).target, {
    publish: { pubsubName: 'events', topic: 'orders', data: { orderId: 7 } },
  });
  const got = await subscriber.next(
    (r) =>
      r.path === '/orders' &&
      envelope(r).data !== undefined &&
      (envelope(r).data as { orderId?: number }).orderId === 7,
  );
  t.true(got.at >= sent + 1000, `delivered ${got.at - sent} ms after scheduling a 1s job`);
  t.is(got.method, 'POST');
  t.is(got.headers['content-type'], 'application/cloudevents+json');
  const e = envelope(got);
  t.regex(e.id, /^[0-9a-f]{32}$/, 'the tick delivery id, the same for a redelivered tick');
  t.is(e.source, 'tickflow');
  t.is(e.type, 'com.dapr.event.sent');
  t.is(e.specversion, '1.0');
  t.is(e.datacontenttype, 'application/json');
  t.is(e.topic, 'orders');
  t.is(e.pubsubname, 'events');
  t.regex(e.traceid, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.is(e.traceparent, e.traceid);
  t.false(Number.isNaN(Date.parse(e.time)));
});

test('the publish API publishes at once, by the same path', async (t) => {
  const res = await server.request('POST', '/v1.0/publish/events/orders', { body: { now: true } });
  t.is(res.status, 204, res.text);
  const got = await subscriber.next(
    (r) => r.path === '/orders' && (envelope(r).data as { now?: boolean } | undefined)?.now === true,
  );
  const e = envelope(got);
  t.regex(e.id, /^[0-9a-f-]{36}$/, 'a UUID, as Dapr makes');
  t.is(e.topic, 'orders');
});

test('a subscriber answering RETRY gets the message again, with the same id', async (t) => {
  const res = await server.request('POST', '/v1.0/publish/events/flaky', { body: { n: 1 } });
  t.is(res.status, 204, res.text);
  const first = await subscriber.next((r) => r.path === '/flaky');
  const second = await subscriber.next((r) => r.path === '/flaky' && r !== first);
  t.is(envelope(second).id, envelope(first).id);
  t.deepEqual(envelope(second).data, { n: 1 });
});

test('an invoke job calls the registered app at its time, with the verb, data and tick headers', async (t) => {
  const sent = Date.now();
  const res = await schedule('close-invoices', {
    dueTime: '1s',
    target: { invoke: { appId: 'billing', method: 'invoices/close', httpVerb: 'PUT', data: { month: 11 } } },
  });
  t.is(res.status, 204, res.text);
  const got = await billing.next((r) => r.path === '/invoices/close');
  t.true(got.at >= sent + 1000, `called ${got.at - sent} ms after scheduling a 1s job`);
  t.is(got.method, 'PUT');
  t.deepEqual(JSON.parse(got.body), { month: 11 });
  t.is(got.headers['tickflow-job-name'], 'close-invoices');
  t.is(got.headers['tickflow-job-attempt'], '1');
  t.regex(String(got.headers['tickflow-delivery-id']), /^[0-9a-f]{32}$/);
});

test("an invocation the app fails is retried by the job's failure policy", async (t) => {
  const res = await schedule('failing-call', {
    dueTime: '0s',
    failurePolicy: { constant: { interval: '100ms', maxRetries: 1 } },
    target: { invoke: { appId: 'billing', method: 'fail' } },
  });
  t.is(res.status, 204, res.text);
  const second = await billing.next((r) => r.path === '/fail' && r.headers['tickflow-job-attempt'] === '2');
  t.is(second.method, 'POST');
  t.is(second.headers['tickflow-job-name'], 'failing-call');
});

test('unknown components and apps, and malformed targets, are refused at scheduling time', async (t) => {
  let res = await schedule('bad-1', {
    dueTime: '1s',
    target: { publish: { pubsubName: 'nope', topic: 'x' } },
  });
  t.is(res.status, 400);
  t.is(errorOf(res).errorCode, 'ERR_JOB_INVALID');
  t.is(errorOf(res).field, 'target.publish.pubsubName');
  t.is(errorOf(res).allowed, 'events');
  t.regex(errorOf(res).message, /"nope"/);

  res = await schedule('bad-2', { dueTime: '1s', target: { invoke: { appId: 'ghost', method: 'm' } } });
  t.is(res.status, 400);
  t.is(errorOf(res).field, 'target.invoke.appId');
  t.is(errorOf(res).allowed, 'billing');
  t.regex(errorOf(res).message, /"ghost"/);

  res = await schedule('bad-3', { dueTime: '1s', target: { publish: { pubsubName: 'events' } } });
  t.is(res.status, 400);
  t.is(errorOf(res).field, 'target.publish.topic');

  res = await schedule('bad-4', {
    dueTime: '1s',
    data: 1,
    target: { invoke: { appId: 'billing', method: 'm' } },
  });
  t.is(res.status, 400);
  t.is(errorOf(res).field, 'data');

  res = await schedule('bad-5', {
    dueTime: '1s',
    target: { invoke: { appId: 'billing', method: '../admin' } },
  });
  t.is(res.status, 400);
  t.is(errorOf(res).field, 'target.invoke.method');

  res = await schedule('bad-6', {
    dueTime: '1s',
    target: { invoke: { appId: 'billing', method: 'm', httpVerb: 'TRACE' } },
  });
  t.is(res.status, 400);
  t.is(errorOf(res).field, 'target.invoke.httpVerb');

  res = await server.request('POST', '/v1.0/publish/nope/orders', { body: {} });
  t.is(res.status, 400);
  t.is(errorOf(res).errorCode, 'ERR_PUBSUB_NOT_FOUND');
  t.regex(errorOf(res).message, /events/);

  for (const name of ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5', 'bad-6']) {
    t.is((await server.request('GET', `${JOBS}/${name}`)).status, 404, `${name} was not stored`);
  }
});

test('/metrics counts the publish and invoke targets', async (t) => {
  // The counters follow the deliveries of the jobs above (tests run concurrently).
  const expected = [
    /tickflow_jobs_triggered_total\{target="publish",result="success"\} [1-9]/,
    /tickflow_jobs_triggered_total\{target="invoke:billing",result="success"\} [1-9]/,
    /tickflow_jobs_triggered_total\{target="invoke:billing",result="failed"\} [1-9]/,
    /tickflow_pubsub_published_total\{pubsub="events",source="job",result="ok"\} [1-9]/,
    /tickflow_pubsub_published_total\{pubsub="events",source="api",result="ok"\} [1-9]/,
    /tickflow_pubsub_deliveries_total\{pubsub="events",outcome="success"\} [1-9]/,
    /tickflow_pubsub_deliveries_total\{pubsub="events",outcome="retry"\} [1-9]/,
  ];
  let text = '';
  await waitFor(
    async () => {
      text = (await server.request('GET', '/metrics')).text;
      return expected.every((re) => re.test(text));
    },
    { what: 'the publish and invoke counters', timeoutMs: 15_000, intervalMs: 100 },
  ).catch(() => undefined);
  for (const re of expected) t.regex(text, re);
});

for (const [topic, answer] of [
  ['dropped', 'DROP'],
  ['gone', '404'],
] as const) {
  test(`a subscriber answering ${answer} gets the message once: it is acknowledged, not redelivered`, async (t) => {
    const res = await server.request('POST', `/v1.0/publish/events/${topic}`, { body: { answer } });
    t.is(res.status, 204, res.text);
    await subscriber.next((r) => r.path === `/${topic}`);
    // Acknowledged means nothing pending for the app's group: no redelivery can come.
    const redis = new Redis(redisUrl);
    t.teardown(() => redis.quit());
    await waitFor(
      async () => {
        const pending = (await redis.call('XPENDING', topic, 'tickflow')) as [number, ...unknown[]];
        return Number(pending[0]) === 0;
      },
      { what: `the ${answer} message of ${topic} to be acknowledged`, timeoutMs: 10_000 },
    );
    t.is(subscriber.received.filter((r) => r.path === `/${topic}`).length, 1);
  });
}
