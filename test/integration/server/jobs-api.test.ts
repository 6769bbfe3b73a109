import test from 'ava';
import { waitFor } from '../../helpers/etcd-wait.js';
import { rawHttp, useServer, type HttpResult } from '../../helpers/server-fixture.js';
import { RecorderApp } from './recorder-app.js';

// One `tickflow serve` child process (embedded etcd) and one recording app for the whole file.
// (ava wants every hook declared in one synchronous run, so all awaits come first.)
const app = await RecorderApp.start();
const server = await useServer(test, { appUrl: app.url });
test.after.always(() => app.close());

interface ErrorJson {
  errorCode: string;
  message: string;
  field?: string;
}

const post = (name: string, body: unknown): Promise<HttpResult> =>
  server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body });
const get = (name: string, prefix = '/v1.0-alpha1/jobs'): Promise<HttpResult> =>
  server.request('GET', `${prefix}/${name}`);

function errorOf(res: HttpResult): ErrorJson {
  return res.json as ErrorJson;
}

test('POST then GET returns the job as stored, default failure policy filled in (both API versions)', async (t) => {
  const body = {
    schedule: '@every 1h',
    dueTime: '1h',
    repeats: 3,
    ttl: '10h',
    data: { order: 7, tags: ['a'] },
  };
  t.is((await post('stored-1', body)).status, 204);
  for (const prefix of ['/v1.0-alpha1/jobs', '/v1.0/jobs']) {
    const res = await get('stored-1', prefix);
    t.is(res.status, 200);
    const { count, nextFireAt, ...job } = res.json as Record<string, unknown>;
    t.deepEqual(job, {
      name: 'stored-1',
      ...body,
      failurePolicy: { constant: { interval: '1s', maxRetries: 3 } },
    });
    t.is(count, 0);
    t.true(typeof nextFireAt === 'string' && Date.parse(nextFireAt) > Date.now());
  }
  t.is((await server.request('POST', '/v1.0/jobs/stored-2', { body: { dueTime: '1h' } })).status, 204);
  t.is((await get('stored-2')).status, 200);
});

test('snake_case fields are accepted and mapped (due_time, failure_policy.constant.max_retries)', async (t) => {
  const res = await post('snake-1', {
    due_time: '1h',
    failure_policy: { constant: { interval: '2s', max_retries: 5 } },
  });
  t.is(res.status, 204, res.text);
  const job = (await get('snake-1')).json as Record<string, unknown>;
  t.is(job['dueTime'], '1h');
  t.deepEqual(job['failurePolicy'], { constant: { interval: '2s', maxRetries: 5 } });
  t.is((await post('snake-2', { due_time: '1h', failure_policy: { drop: {} } })).status, 204);
  t.deepEqual(((await get('snake-2')).json as Record<string, unknown>)['failurePolicy'], { drop: {} });
});

test('data may be any JSON value', async (t) => {
  const values: unknown[] = ['text', 42, true, null, [1, 'two', { three: 3 }], { nested: { deep: [null] } }];
  for (const [i, data] of values.entries()) {
    t.is((await post(`data-${i}`, { dueTime: '1h', data })).status, 204);
    t.deepEqual(((await get(`data-${i}`)).json as Record<string, unknown>)['data'], data);
  }
  t.is((await post('data-none', { dueTime: '1h' })).status, 204);
  t.false('data' in ((await get('data-none')).json as object), 'no data, no data field');
});

test('an existing job without overwrite is 409 and untouched; overwrite replaces it', async (t) => {
  t.is((await post('dup', { dueTime: '1h', data: 'first' })).status, 204);
  const again = await post('dup', { dueTime: '2h', data: 'second' });
  t.is(again.status, 409);
  t.is(errorOf(again).errorCode, 'ERR_JOB_ALREADY_EXISTS');
  t.is(((await get('dup')).json as Record<string, unknown>)['data'], 'first');
  t.is((await post('dup', { dueTime: '2h', data: 'second', overwrite: true })).status, 204);
  const job = (await get('dup')).json as Record<string, unknown>;
  t.is(job['data'], 'second');
  t.is(job['dueTime'], '2h');
});

test('DELETE is 204, also for a missing job; GET of a missing job is 404', async (t) => {
  t.is((await post('to-delete', { dueTime: '1h' })).status, 204);
  t.is((await server.request('DELETE', '/v1.0-alpha1/jobs/to-delete')).status, 204);
  const gone = await get('to-delete');
  t.is(gone.status, 404);
  t.is(errorOf(gone).errorCode, 'ERR_JOB_NOT_FOUND');
  t.regex(errorOf(gone).message, /to-delete/);
  t.is((await server.request('DELETE', '/v1.0/jobs/never-existed')).status, 204);
});

test('every bad request is a JSON error naming the problem, and stores nothing', async (t) => {
  const cases: Array<{
    name: string;
    raw?: string;
    contentType?: string;
    body?: unknown;
    status: number;
    code: string;
    field?: string;
  }> = [
    { name: 'bad-json', raw: '{"dueTime": ', status: 400, code: 'ERR_MALFORMED_REQUEST' },
    {
      name: 'bad-json-charset',
      raw: '{"dueTime": ',
      contentType: 'application/json; charset=utf-8',
      status: 400,
      code: 'ERR_MALFORMED_REQUEST',
    },
    {
      name: 'bad-name-field',
      body: { name: 'other', dueTime: '1s' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'name',
    },
    { name: 'bad-neither', body: { data: 1 }, status: 400, code: 'ERR_JOB_INVALID', field: 'schedule' },
    { name: 'bad-empty', raw: '', status: 400, code: 'ERR_JOB_INVALID', field: 'schedule' },
    {
      name: 'bad-unknown',
      body: { dueTime: '1s', colour: 'red' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'colour',
    },
    {
      name: 'bad-type',
      body: { dueTime: '1s', repeats: '3' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'repeats',
    },
    {
      name: 'bad-repeats',
      body: { schedule: '@every 1s', repeats: 0 },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'repeats',
    },
    {
      name: 'bad-schedule',
      body: { schedule: 'every tuesday' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'schedule',
    },
    {
      name: 'bad-due',
      body: { dueTime: 'tomorrow' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'dueTime',
    },
    {
      name: 'bad-ttl',
      body: { dueTime: '1s', ttl: '1h' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'ttl',
    },
    {
      name: 'bad-policy',
      body: { dueTime: '1s', failure_policy: { constant: { max_retries: -1 } } },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'failurePolicy.constant.maxRetries',
    },
    {
      name: 'bad-both',
      body: { dueTime: '1s', due_time: '2s' },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'dueTime',
    },
    { name: 'bad-array', body: [{ dueTime: '1s' }], status: 400, code: 'ERR_JOB_INVALID' },
    {
      name: 'bad-data-size',
      body: { dueTime: '1s', data: 'x'.repeat(2 * 1024 * 1024) },
      status: 400,
      code: 'ERR_JOB_INVALID',
      field: 'data',
    },
  ];
  for (const c of cases) {
    const res = await server.request('POST', `/v1.0-alpha1/jobs/${c.name}`, {
      ...(c.raw !== undefined
        ? { raw: c.raw, contentType: c.contentType ?? 'application/json' }
        : { body: c.body }),
    });
    t.is(res.status, c.status, `${c.name}: ${res.text.slice(0, 200)}`);
    t.is(errorOf(res).errorCode, c.code, c.name);
    t.true(errorOf(res).message.length > 0, c.name);
    if (c.field !== undefined) t.is(errorOf(res).field, c.field, c.name);
    t.is((await get(c.name)).status, 404, `${c.name} must not be stored`);
  }
  // A body over the 4 MiB limit is refused from its Content-Length, before it is sent (a raw
  // socket, because fetch would race the early answer against its upload).
  const tooLarge = await rawHttp(
    server.port,
    'POST /v1.0-alpha1/jobs/bad-large HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      'Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n',
    '{"dueTime":"1s","data":"',
  );
  t.is(tooLarge.status, 413);
  t.is((JSON.parse(tooLarge.body) as ErrorJson).errorCode, 'ERR_BODY_TOO_LARGE');
  t.is((await get('bad-large')).status, 404);
  t.is((await server.request('GET', '/v1.0/healthz')).status, 204, 'the server survived');
});

test('empty or invalid job names are 400 ERR_JOB_NAME_INVALID on every method', async (t) => {
  const names = ['', 'a%23b', 'a%2Fb', 'a%3Fb', 'ctl%01x', 'x'.repeat(257)];
  for (const name of names) {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await server.request(
        method,
        `/v1.0-alpha1/jobs/${name}`,
        method === 'POST' ? { body: { dueTime: '1s' } } : {},
      );
      t.is(res.status, 400, `${method} ${name}: ${res.text}`);
      t.is(errorOf(res).errorCode, 'ERR_JOB_NAME_INVALID', `${method} ${name}`);
      t.is(errorOf(res).field, 'name');
    }
  }
  const longest = 'y'.repeat(256);
  t.is((await post(longest, { dueTime: '1h' })).status, 204, 'a 256-character name is fine');
  const broken = await server.request('GET', '/v1.0/jobs/%E0%A4%A');
  t.is(broken.status, 400);
  t.is(errorOf(broken).errorCode, 'ERR_MALFORMED_REQUEST');
});

test('a job reaches the app at or after its due time, with its data as the JSON body', async (t) => {
  const dueAt = Date.now() + 1_500;
  const data = { order: 42, items: ['tea', 'cake'] };
  t.is((await post('deliver-1', { dueTime: new Date(dueAt).toISOString(), data })).status, 204);
  t.is((await post('deliver-empty', { dueTime: '200ms' })).status, 204);
  const [call] = await app.waitForCalls('deliver-1', 1);
  t.truthy(call);
  t.true(call!.at >= dueAt, `delivered ${dueAt - call!.at} ms early`);
  t.is(call!.contentType, 'application/json');
  t.deepEqual(JSON.parse(call!.body), data);
  const [empty] = await app.waitForCalls('deliver-empty', 1);
  t.is(empty!.body, '', 'a job without data is delivered with an empty body');
  // A delivered one-shot job is gone.
  await waitFor(async () => (await get('deliver-1')).status === 404, { what: 'deliver-1 deleted' });
});

test('a repeating job is delivered once per tick and ends after its repeats', async (t) => {
  t.is((await post('repeat-3', { schedule: '300ms', repeats: 3, data: 'tick' })).status, 204);
  const calls = await app.waitForCalls('repeat-3', 3);
  t.true(calls.every((c) => c.body === '"tick"'));
  await waitFor(async () => (await get('repeat-3')).status === 404, { what: 'repeat-3 ended' });
  t.is(app.callsFor('repeat-3').length, 3);
});

test('an app answering 500 gets 4 deliveries (default policy: 3 retries), then the job is gone', async (t) => {
  t.is((await post('fail500-a', { dueTime: '100ms', data: 'x' })).status, 204);
  await app.waitForCalls('fail500-a', 4, 30_000);
  await waitFor(async () => (await get('fail500-a')).status === 404, {
    what: 'fail500-a given up',
    timeoutMs: 20_000,
  });
  t.is(app.callsFor('fail500-a').length, 4);
  const times = app.callsFor('fail500-a').map((c) => c.at);
  for (let i = 1; i < times.length; i++)
    t.true(times[i]! - times[i - 1]! >= 900, 'retries are about 1 s apart');
});

test('an app answering 404 gets exactly one delivery (not retried)', async (t) => {
  t.is((await post('gone404-a', { dueTime: '100ms' })).status, 204);
  await app.waitForCalls('gone404-a', 1);
  await waitFor(async () => (await get('gone404-a')).status === 404, { what: 'gone404-a done' });
  t.is(app.callsFor('gone404-a').length, 1);
});

test('GET {prefix} lists the API jobs by name prefix (tickflow extension)', async (t) => {
  for (const name of ['list-b', 'list-a', 'list-c']) t.is((await post(name, { dueTime: '1h' })).status, 204);
  const res = await server.request('GET', '/v1.0/jobs?prefix=list-');
  t.is(res.status, 200);
  const { jobs } = res.json as { jobs: Array<{ name: string }> };
  t.deepEqual(
    jobs.map((j) => j.name),
    ['list-a', 'list-b', 'list-c'],
  );
});

test('GET {prefix} pages with limit and after: next names the last job of a page', async (t) => {
  const names = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
  for (const name of names) t.is((await post(name, { dueTime: '1h' })).status, 204);
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 1; pages <= names.length; pages++) {
    const query = `prefix=page-&limit=2${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
    const res = await server.request('GET', `/v1.0/jobs?${query}`);
    t.is(res.status, 200);
    const { jobs, next } = res.json as { jobs: Array<{ name: string; nextFireAt?: string }>; next?: string };
    t.true(jobs.length <= 2);
    t.true(jobs.every((j) => typeof j.nextFireAt === 'string'));
    seen.push(...jobs.map((j) => j.name));
    if (next === undefined) break;
    t.is(next, jobs[jobs.length - 1]?.name ?? '');
    after = next;
  }
  t.deepEqual(seen, names);
  const bad = await server.request('GET', '/v1.0/jobs?limit=0');
  t.is(bad.status, 400);
  t.regex(JSON.stringify(bad.json), /limit/);
});

test('/metrics reports jobs, deliveries and lateness in Prometheus text format', async (t) => {
  t.is((await post('metrics-ok', { dueTime: '50ms' })).status, 204);
  await app.waitForCalls('metrics-ok', 1);
  let text = '';
  await waitFor(
    async () => {
      const res = await server.request('GET', '/metrics');
      t.regex(res.contentType ?? '', /^text\/plain; version=0\.0\.4/);
      text = res.text;
      return /^tickflow_jobs_triggered_total\{target="app",result="success"\} [1-9]/m.test(text);
    },
    { what: 'the app trigger counted' },
  );
  t.regex(text, /^# TYPE tickflow_jobs_scheduled_total counter$/m);
  t.regex(text, /^tickflow_jobs_scheduled_total [1-9]\d*$/m);
  t.regex(text, /^tickflow_app_deliveries_total\{outcome="ok"\} [1-9]/m);
  t.regex(text, /^# TYPE tickflow_trigger_lateness_seconds histogram$/m);
  t.regex(text, /^tickflow_trigger_lateness_seconds_bucket\{target="app",le="\+Inf"\} [1-9]/m);
  t.regex(text, /^tickflow_trigger_lateness_seconds_count\{target="app"\} [1-9]/m);
  t.regex(text, /^tickflow_jobs_staged 0$/m);
  t.regex(text, /^tickflow_partitions_owned 32$/m);
  t.regex(text, /^# TYPE tickflow_workflow_steps_total counter$/m);
  t.regex(text, /^# TYPE tickflow_workflow_instances gauge$/m);
  // The one-shot's completion (deleting it) goes through the timer service's grouped transactions,
  // after the trigger was counted.
  t.regex(text, /^# TYPE tickflow_store_commit_seconds histogram$/m);
  let after = '';
  await waitFor(
    async () => {
      after = (await server.request('GET', '/metrics')).text;
      return /^tickflow_store_commits_total\{component="timers",outcome="committed"\} [1-9]/m.test(after);
    },
    { what: 'a committed timer-service transaction in /metrics' },
  );
  t.regex(after, /^tickflow_store_commit_seconds_count\{component="timers"\} [1-9]/m);
  t.regex(after, /^tickflow_store_commit_items_total\{component="timers"\} [1-9]/m);
});

test('health, metadata and unknown routes', async (t) => {
  t.is((await server.request('GET', '/v1.0/healthz')).status, 204);
  t.is((await server.request('GET', '/v1.0/healthz/outbound')).status, 204);
  const meta = await server.request('GET', '/v1.0/metadata');
  t.is(meta.status, 200);
  const m = meta.json as {
    id: string;
    namespace: string;
    runtimeVersion: string;
    appConnectionProperties: { channelAddress?: string };
    etcd: { embedded: boolean; pid?: number };
    replica: { ownedPartitions: number[] };
    workflows: { registered: string[]; activities: string[] };
  };
  t.is(m.id, 'tickflow');
  t.is(m.namespace, 'default');
  t.regex(m.runtimeVersion, /^\d+\.\d+\.\d+/);
  // Without an API token configured, no addresses, pids or paths are shown.
  t.is(m.appConnectionProperties.channelAddress, undefined);
  t.deepEqual(m.etcd, { embedded: true });
  t.notRegex(meta.text, /127\.0\.0\.1|"pid"|\/tmp\//);
  t.is(m.replica.ownedPartitions.length, 32);
  t.deepEqual(m.workflows.registered, []);
  const missing = await server.request('GET', '/v1.0/nothing-here');
  t.is(missing.status, 404);
  t.is(errorOf(missing).errorCode, 'ERR_ROUTE_NOT_FOUND');
});
