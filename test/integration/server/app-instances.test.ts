/**
 * HTTP job delivery end to end (issue 18, section 3): the callback headers an app de-duplicates
 * on, what stages and what spends retries, and several app instances behind one server.
 */
import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { runCli, startServerProcess, type ServerProcess } from '../../helpers/server-fixture.js';
import { HttpCallbackApp } from './http-callback-app.js';

const [single, a, b] = await Promise.all([
  HttpCallbackApp.start(),
  HttpCallbackApp.start(),
  HttpCallbackApp.start(),
]);
const [server, pair] = await Promise.all([
  startServerProcess({ appUrl: single.url, args: ['--app-timeout', '0.5'] }),
  // Two instances, the flag repeated (one --app-url with both, comma-separated, does the same).
  startServerProcess({ args: ['--app-url', a.url, '--app-url', b.url] }),
]);
test.after.always(async () => {
  await Promise.all([server.stop(), pair.stop()]);
  await Promise.all([single.close(), a.close(), b.close()]);
});

async function metric(target: ServerProcess, pattern: RegExp): Promise<number> {
  const match = pattern.exec((await target.request('GET', '/metrics')).text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}
const failed = (target: ServerProcess): Promise<number> =>
  metric(target, /^tickflow_jobs_failed_total\{target="app"\} (\d+)$/m);
const staged = (target: ServerProcess): Promise<number> =>
  metric(target, /^tickflow_jobs_staged_total\{target="app"\} (\d+)$/m);

async function schedule(target: ServerProcess, name: string, body: unknown): Promise<void> {
  const res = await target.request('POST', `/v1.0-alpha1/jobs/${encodeURIComponent(name)}`, { body });
  if (res.status !== 204) throw new Error(`scheduling ${name}: ${res.status} ${res.text}`);
}

async function jobGone(target: ServerProcess, name: string): Promise<void> {
  await waitFor(
    async () => (await target.request('GET', `/v1.0-alpha1/jobs/${encodeURIComponent(name)}`)).status === 404,
    { what: `job ${name} done`, timeoutMs: 20_000 },
  );
}

test.serial('headers: name, scheduled time, attempt and a delivery id that a retry repeats', async (t) => {
  single.answer = (name) => (name === 'retried' ? 500 : 200);
  const dueTime = new Date(Date.now() + 200).toISOString();
  await schedule(server, 'retried', {
    dueTime,
    data: { n: 1 },
    failurePolicy: { constant: { interval: '200ms', maxRetries: 2 } },
  });
  const calls = await single.waitForCalls('retried', 3);
  await jobGone(server, 'retried');
  t.deepEqual(
    calls.map((c) => c.headers['tickflow-job-attempt']),
    ['1', '2', '3'],
  );
  for (const call of calls) {
    t.like(call.headers, {
      'tickflow-job-name': 'retried',
      'tickflow-job-scheduled-time': dueTime,
      'content-type': 'application/json',
    });
    t.is(call.body, '{"n":1}');
  }
  t.is(new Set(calls.map((c) => c.headers['tickflow-delivery-id'])).size, 1);
  t.regex(String(calls[0]?.headers['tickflow-delivery-id']), /^[0-9a-f]{32}$/);
});

test.serial(
  'a name beyond ASCII comes percent-encoded in its header; the next tick has a new delivery id',
  async (t) => {
    single.answer = () => 200;
    await schedule(server, 'rapport été', { schedule: '@every 1s', repeats: 2 });
    const calls = await single.waitForCalls('rapport été', 2);
    await jobGone(server, 'rapport été');
    t.is(calls[0]?.headers['tickflow-job-name'], 'rapport%20%C3%A9t%C3%A9');
    t.not(calls[0]?.headers['tickflow-delivery-id'], calls[1]?.headers['tickflow-delivery-id']);
    t.deepEqual(
      calls.map((c) => c.headers['tickflow-job-attempt']),
      ['1', '1'],
    );
  },
);

test.serial(
  'a slow app (no answer within --app-timeout after the request was sent) is a failure the policy retries',
  async (t) => {
    single.answer = (name) => (name === 'slow' ? 'hang' : 200);
    const failedBefore = await failed(server);
    await schedule(server, 'slow', {
      dueTime: '0s',
      failurePolicy: { constant: { interval: '100ms', maxRetries: 1 } },
    });
    await single.waitForCalls('slow', 2);
    await jobGone(server, 'slow');
    t.is(single.callsFor('slow').length, 2);
    t.is((await failed(server)) - failedBefore, 2);
    t.true((await metric(server, /^tickflow_app_deliveries_total\{outcome="timeout"\} (\d+)$/m)) >= 2);
  },
);

test.serial(
  'a connection reset before any answer stages the trigger (no retry spent); it is delivered once the app answers',
  async (t) => {
    single.answer = (name) => (name === 'reset' ? 'reset' : 200);
    const failedBefore = await failed(server);
    const stagedBefore = await staged(server);
    await schedule(server, 'reset', { dueTime: '0s', failurePolicy: { drop: {} } });
    await waitFor(async () => (await staged(server)) > stagedBefore, { what: 'the trigger staged' });
    t.is(await failed(server), failedBefore, 'no retry spent');
    single.answer = () => 200;
    // Re-offered after the probe passes; with `drop`, a failure would have lost the tick.
    await waitFor(() => single.callsFor('reset').length >= 2, { what: 'the tick delivered again' });
    await jobGone(server, 'reset');
    t.is(await failed(server), failedBefore);
  },
);

test.serial(
  'two instances: deliveries spread over both; one down, the other takes all with nothing staged; none, staged until one answers',
  async (t) => {
    // Both instances get some of 20 jobs (each picked at random: all on one has odds of 2 in a million).
    const names = Array.from({ length: 20 }, (_, i) => `spread-${i}`);
    await Promise.all(names.map((name) => schedule(pair, name, { dueTime: '0s' })));
    const isSpread = (c: { name: string }): boolean => c.name.startsWith('spread-');
    await waitFor(() => a.calls.filter(isSpread).length + b.calls.filter(isSpread).length >= 20, {
      what: 'all 20 delivered',
    });
    for (const name of names) await jobGone(pair, name);
    t.true(a.calls.filter(isSpread).length > 0 && b.calls.filter(isSpread).length > 0);
    t.is(a.calls.filter(isSpread).length + b.calls.filter(isSpread).length, 20, 'each delivered once');

    // Instance a goes away: every job reaches b, none is staged or failed.
    await a.close();
    const stagedBefore = await staged(pair);
    const more = Array.from({ length: 10 }, (_, i) => `failover-${i}`);
    await Promise.all(
      more.map((name) => schedule(pair, name, { dueTime: '0s', failurePolicy: { drop: {} } })),
    );
    await b.waitForCalls((c) => c.name.startsWith('failover-'), 10);
    for (const name of more) await jobGone(pair, name);
    t.is(await staged(pair), stagedBefore);
    t.is(await failed(pair), 0);
    const reachable = (await pair.request('GET', '/metrics')).text;
    t.regex(reachable, new RegExp(`^tickflow_app_instance_reachable\\{instance="${a.url}"\\} 0$`, 'm'));
    t.regex(reachable, new RegExp(`^tickflow_app_instance_reachable\\{instance="${b.url}"\\} 1$`, 'm'));
    t.regex(pair.stderr(), /its deliveries go to the other instances/);

    // Both down: staged. The first to come back gets it.
    await b.close();
    await schedule(pair, 'none-up', { dueTime: '0s', data: 'waited', failurePolicy: { drop: {} } });
    await waitFor(async () => (await staged(pair)) > stagedBefore, { what: 'the trigger staged' });
    t.is(await failed(pair), 0);
    await a.listen();
    const [call] = await a.waitForCalls('none-up', 1, 30_000);
    t.is(call?.body, '"waited"');
    await jobGone(pair, 'none-up');
    t.is(b.callsFor('none-up').length, 0);
  },
);

test('bad --app-url or --app-protocol: one line naming the flag, the value and what is allowed, before etcd starts', async (t) => {
  const cases: Array<[string[], number, RegExp]> = [
    [
      ['--app-url', 'not a url'],
      2,
      /argument 'not a url' is invalid\. Expected an http:\/\/ or https:\/\/ URL/,
    ],
    [
      ['--app-protocol', 'grpc', '--app-url', 'http://127.0.0.1:3000'],
      1,
      /^error: invalid --app-url: "http:\/\/127\.0\.0\.1:3000"; allowed: with --app-protocol grpc, host:port/,
    ],
    [
      ['--app-url', '127.0.0.1:3000'],
      1,
      /^error: invalid --app-url: "127\.0\.0\.1:3000"; allowed: an http:\/\//,
    ],
    [
      ['--app-protocol', 'ws', '--app-url', 'http://127.0.0.1:3000'],
      1,
      /^error: invalid --app-protocol: "ws"; allowed: http, grpc, grpcs/,
    ],
    [['--app-url', 'http://127.0.0.1:3000,http://127.0.0.1:3000'], 1, /listed twice/],
    [['--app-protocol', 'ws'], 1, /^error: invalid --app-protocol: "ws"/],
  ];
  for (const [args, code, message] of cases) {
    const result = await runCli([
      'serve',
      '--port',
      '0',
      '--no-grpc',
      '--data-dir',
      '/nonexistent/never-used',
      ...args,
    ]);
    t.is(result.code, code, args.join(' '));
    t.regex(result.stderr.trim(), message, args.join(' '));
  }
});
