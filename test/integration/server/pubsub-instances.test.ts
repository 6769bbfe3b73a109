/**
 * An app with several instances (`--app-url a,b`) shares its topics' messages between them, as
 * Dapr's replicas of one app share a consumer group: each message reaches exactly one instance.
 */
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { startRedis } from '../../helpers/redis-server.js';
import { startServerProcess } from '../../helpers/server-fixture.js';
import { PubSubInvokeApp } from './pubsub-invoke-app.js';

const MESSAGES = 40;

test('each message of a topic reaches one instance of the subscribing app; both instances get some', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const subscriptions = [{ pubsubname: 'events', topic: 'shared', route: '/shared' }];
  const [first, second] = await Promise.all([
    PubSubInvokeApp.start(subscriptions, () => ({ status: 200 })),
    PubSubInvokeApp.start(subscriptions, () => ({ status: 200 })),
  ]);
  t.teardown(() => first.close());
  t.teardown(() => second.close());
  const server = await startServerProcess({
    appUrl: `${first.url},${second.url}`,
    args: ['--pubsub', `events=${redis.url}`, '--no-grpc'],
  });
  t.teardown(() => server.stop());
  // Both instances read as consumers before anything is published (else one could take all).
  await waitFor(() => (server.stdout() + server.stderr()).split('subscribes on pub/sub events').length > 2, {
    what: 'both instances to subscribe',
    timeoutMs: 10_000,
  });
  for (let n = 0; n < MESSAGES; n++) {
    const res = await server.request('POST', '/v1.0/publish/events/shared', { body: { n } });
    t.is(res.status, 204, res.text);
  }
  const got = (): number[] =>
    [...first.received, ...second.received]
      .filter((r) => r.path === '/shared')
      .map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
  await waitFor(() => got().length >= MESSAGES, { what: `${MESSAGES} deliveries`, timeoutMs: 15_000 });
  t.deepEqual(
    got().sort((a, b) => a - b),
    Array.from({ length: MESSAGES }, (_, n) => n),
    'each message once',
  );
  t.true(
    first.received.some((r) => r.path === '/shared'),
    'the first instance got some',
  );
  t.true(
    second.received.some((r) => r.path === '/shared'),
    'the second instance got some',
  );
});
