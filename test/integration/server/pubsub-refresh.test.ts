// A subscriber app restarted with other subscriptions is read from its new list: the server asks
// `GET /dapr/subscribe` again every `refreshMs` and swaps its reads (a real Redis behind it).
import test from 'ava';
import { MetricsRegistry } from '../../../src/server/prometheus.js';
import { PubSubMetrics } from '../../../src/server/pubsub/pubsub-metrics.js';
import { PubSubService } from '../../../src/server/pubsub/pubsub-service.js';
import { RedisStreamsBroker } from '../../../src/server/pubsub/redis-streams-broker.js';
import { startRedis } from '../../helpers/redis-server.js';
import { PubSubInvokeApp } from './pubsub-invoke-app.js';

const redisReady = startRedis();
const appReady = PubSubInvokeApp.start([{ pubsubname: 'bus', topic: 'first', route: '/first' }], () => ({
  status: 200,
}));
test.after.always(async () => {
  await Promise.allSettled([
    (async () => (await appReady).close())(),
    (async () => (await redisReady).stop())(),
  ]);
});

test('a changed /dapr/subscribe answer replaces the reads; an app that stops answering keeps them', async (t) => {
  const [redis, app] = await Promise.all([redisReady, appReady]);
  const lines: string[] = [];
  const waiters: Array<{ match: RegExp; resolve: () => void }> = [];
  const logged = (match: RegExp): Promise<void> =>
    lines.some((l) => match.test(l))
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push({ match, resolve }));
  const broker = new RedisStreamsBroker({
    name: 'bus',
    url: redis.url,
    maxMessageBytes: 64 * 1024,
    maxLenApprox: 1_000,
    redeliverIntervalMs: 1_000,
    readCount: 10,
  });
  const service = new PubSubService({
    brokers: new Map([['bus', broker]]),
    subscribers: [{ appId: 'shop', url: app.url }],
    source: 'test',
    timeoutMs: 2_000,
    metrics: new PubSubMetrics(new MetricsRegistry()),
    refreshMs: 100,
    log: (line) => {
      lines.push(line);
      for (const w of waiters.filter((w) => w.match.test(line))) w.resolve();
    },
  });
  t.teardown(() => service.close());
  service.start();
  await logged(/subscribes on pub\/sub bus to first/);
  await service.publish('bus', 'first', { n: 1 }, 'api');
  await app.next((r) => r.path === '/first');

  // The app now subscribes to `second` instead.
  app.subscriptions = [{ pubsubname: 'bus', topic: 'second', route: '/second' }];
  await logged(/changed its subscriptions/);
  await service.publish('bus', 'first', { n: 2 }, 'api');
  await service.publish('bus', 'second', { n: 3 }, 'api');
  const second = await app.next((r) => r.path === '/second');
  t.like(JSON.parse(second.body) as unknown, { topic: 'second', data: { n: 3 } });
  const first = app.received.filter((r) => r.path === '/first').map((r) => r.body);
  t.is(first.length, 1, `the dropped topic is not read: ${first.join(' ')}`);

  // An app that cannot answer (restarting: 503) keeps what it subscribed to.
  app.subscribeStatus = 503;
  await logged(/could not be read .*its current subscriptions are kept/);
  await service.publish('bus', 'second', { n: 4 }, 'api');
  const fourth = await app.next((r) => r.path === '/second' && r.body.includes('"n":4'));
  t.like(JSON.parse(fourth.body) as unknown, { data: { n: 4 } });
});
