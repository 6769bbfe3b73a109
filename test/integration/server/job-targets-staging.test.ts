// A publish or invoke tick whose broker or app cannot be reached is staged, not failed: no retry
// is spent, and it acts once Redis (started late, on the port the server was given) or the app
// answers. Against a real `tickflow serve` and a real redis-server.
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { freePort, startRedis } from '../../helpers/redis-server.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { PubSubInvokeApp } from './pubsub-invoke-app.js';

const cleanup: Array<() => Promise<unknown>> = [];
const stopAll = async (): Promise<void> => {
  for (const step of cleanup.reverse()) await step();
};

const { subscriber, redisPort, appPort, server } = await (async () => {
  try {
    const subscriber = await PubSubInvokeApp.start(
      [{ pubsubname: 'late', topic: 'news', route: '/news' }],
      () => ({
        status: 200,
      }),
    );
    cleanup.push(() => subscriber.close());
    const [redisPort, appPort] = [await freePort(), await freePort()];
    const server = await startServerProcess({
      appUrl: subscriber.url,
      args: [
        '--pubsub',
        `late=redis://127.0.0.1:${redisPort}`,
        '--app',
        `later=http://127.0.0.1:${appPort}`,
        '--no-grpc',
      ],
    });
    cleanup.push(() => server.stop());
    return { subscriber, redisPort, appPort, server };
  } catch (error) {
    await stopAll();
    throw error;
  }
})();
test.after.always(stopAll);

async function staged(target: string, s: ServerProcess): Promise<void> {
  const pattern = new RegExp(`tickflow_jobs_staged_total\\{target="${target}"\\} [1-9]`);
  await waitFor(async () => pattern.test((await s.request('GET', '/metrics')).text), {
    what: `a staged ${target} tick`,
    timeoutMs: 15_000,
    intervalMs: 50,
  });
}

test.serial('a publish tick waits for Redis, then publishes', async (t) => {
  const res = await server.request('POST', '/v1.0-alpha1/jobs/news-later', {
    body: { dueTime: '0s', target: { publish: { pubsubName: 'late', topic: 'news', data: { n: 1 } } } },
  });
  t.is(res.status, 204, res.text);
  await staged('publish', server);
  const redis = await startRedis(redisPort);
  cleanup.push(() => redis.stop());
  const got = await subscriber.next((r) => r.path === '/news', 20_000);
  t.deepEqual((JSON.parse(got.body) as { data: unknown }).data, { n: 1 });
  const metrics = (await server.request('GET', '/metrics')).text;
  t.notRegex(
    metrics,
    /tickflow_jobs_triggered_total\{target="publish",result="failed"\}/,
    'no retry was spent',
  );
});

test.serial('an invoke tick waits for its app, then calls it', async (t) => {
  const res = await server.request('POST', '/v1.0-alpha1/jobs/call-later', {
    body: { dueTime: '0s', target: { invoke: { appId: 'later', method: 'wake' } } },
  });
  t.is(res.status, 204, res.text);
  await staged('invoke:later', server);
  const app = await PubSubInvokeApp.start(undefined, () => ({ status: 200 }), appPort);
  cleanup.push(() => app.close());
  const got = await app.next((r) => r.path === '/wake', 20_000);
  t.is(got.headers['tickflow-job-attempt'], '1', 'staging spent no attempt');
});
