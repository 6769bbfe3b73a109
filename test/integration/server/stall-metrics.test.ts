/**
 * A stalled partition shows in /metrics within seconds (issue 13, item 6), and periods or retry
 * intervals below the floor are refused with a 400 (item 7). Against `tickflow serve` as a user
 * runs it: a child process with its embedded etcd, and an app that answers 500 to `fail500-*`.
 */
import test from 'ava';
import { partitionOf } from '../../../src/cluster/partition.js';
import { connectEtcd } from '../../../src/etcd/etcd-kv.js';
import { encodeRecord } from '../../../src/timers/job-codec.js';
import { scopeKeys } from '../../../src/timers/job-keys.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';
import { waitFor } from '../../helpers/etcd-wait.js';
import { useServer, type HttpResult } from '../../helpers/server-fixture.js';
import { RecorderApp } from './recorder-app.js';

const app = await RecorderApp.start();
const server = await useServer(test, { appUrl: app.url });
test.after.always(() => app.close());

const PARTITIONS = 32; // the server's default

const post = (name: string, body: unknown): Promise<HttpResult> =>
  server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body });

async function scrape(): Promise<string> {
  const res = await server.request('GET', '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text;
}

/** The value of one sample, or undefined when the series is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const overdueOf = (text: string, partition: number): number | undefined =>
  sample(text, 'tickflow_trigger_oldest_overdue_seconds', `partition="${partition}"`);

test('every owned partition has an overdue gauge (0 when idle) and a loading gauge (0 once loaded)', async (t) => {
  const text = await scrape();
  t.regex(text, /^# TYPE tickflow_trigger_oldest_overdue_seconds gauge$/m);
  t.regex(text, /^# TYPE tickflow_partition_loading gauge$/m);
  t.regex(text, /^# TYPE tickflow_warnings_total counter$/m);
  for (let p = 0; p < PARTITIONS; p++) {
    t.is(sample(text, 'tickflow_partition_loading', `partition="${p}"`), 0, `partition ${p} loaded`);
    t.not(overdueOf(text, p), undefined, `partition ${p} has an overdue series`);
  }
});

test('a callback that keeps failing: its partition shows a tick overdue since its due time, growing', async (t) => {
  const name = 'fail500-stall';
  const partition = partitionOf(name, PARTITIONS);
  const before = Date.now();
  // No maxRetries: retried every 200 ms forever, always the same tick.
  t.is((await post(name, { dueTime: '0s', failurePolicy: { constant: { interval: '200ms' } } })).status, 204);
  const scheduled = Date.now();
  await app.waitForCalls(name, 2);
  const first = overdueOf(await scrape(), partition) ?? Number.NaN;
  t.true(first > 0, `overdue ${first} s after two failed attempts`);
  const calls = await app.waitForCalls(name, 8);
  const text = await scrape();
  const elapsed = (Date.now() - before) / 1000;
  const second = overdueOf(text, partition) ?? Number.NaN;
  const lastCall = calls[calls.length - 1]?.at ?? Number.NaN;
  t.true(second > first, `growing: ${first} s, then ${second} s`);
  t.true(second <= elapsed, `no older than the job (${second} s <= ${elapsed} s)`);
  t.true(second >= (lastCall - scheduled) / 1000, 'measured from the due time, not from the last retry');
  t.regex(text, /^tickflow_jobs_failed_total\{target="app"\} [1-9]/m);

  t.is((await server.request('DELETE', `/v1.0-alpha1/jobs/${name}`)).status, 204);
  await waitFor(async () => overdueOf(await scrape(), partition) === 0, {
    what: 'the gauge back at 0 once the job is deleted',
  });
});

test('a failure that repeats every second is counted in tickflow_warnings_total while the log coalesces it', async (t) => {
  // A job record whose next tick cannot be computed (as a newer or damaged writer might leave):
  // its first tick fires, then recording it fails and is retried every second, for good.
  const name = 'unreadable-schedule';
  const partition = partitionOf(name, PARTITIONS);
  const record = normalizeJob(name, { dueTime: new Date(), schedule: '@every 1h' }, Date.now());
  record.schedule = '@every banana';
  record.original.schedule = '@every banana';
  const kv = await connectEtcd({ hosts: server.etcdHosts, auth: await server.etcdAuth() });
  try {
    const key = scopeKeys('default', 'tickflow').jobKey(partition, name);
    await kv.txn([], [{ op: 'put', key, value: encodeRecord(record) }]);
  } finally {
    await kv.close();
  }
  await app.waitForCalls(name, 1);

  const warnings = (text: string): number =>
    sample(text, 'tickflow_warnings_total', 'component="timers",kind="JobValidationError"') ?? 0;
  let text = '';
  await waitFor(async () => warnings((text = await scrape())) >= 1, { what: 'the first warning counted' });
  const firstCount = warnings(text);
  const firstAge = overdueOf(text, partition) ?? Number.NaN;
  t.true(firstAge > 0, 'its tick is overdue: its completion was never recorded');
  // Repeats held back by the log's 5 s coalescing window are counted when that window closes.
  await waitFor(async () => warnings((text = await scrape())) >= firstCount + 3, {
    timeoutMs: 20_000,
    intervalMs: 250,
    what: 'repeated warnings counted',
  });
  const count = warnings(text);
  t.true((overdueOf(text, partition) ?? 0) > firstAge, 'and the overdue age keeps growing');
  const logged = server
    .stderr()
    .split('\n')
    .filter((l) => l.includes('@every banana')).length;
  t.true(logged >= 1, 'the failure is logged');
  t.true(logged < count, `${logged} log lines for ${count} warnings counted`);

  t.is((await server.request('DELETE', `/v1.0-alpha1/jobs/${name}`)).status, 204);
  await waitFor(async () => overdueOf(await scrape(), partition) === 0, {
    what: 'the gauge back at 0 once the job is deleted',
  });
});

test('periods and retry intervals below the 100 ms floor: 400 naming the field, value and floor; nothing stored', async (t) => {
  const cases: Array<[string, unknown, string, string]> = [
    ['every-1ns', { schedule: '@every 1ns' }, 'schedule', '@every 1ns'],
    ['bare-50ms', { schedule: '50ms' }, 'schedule', '50ms'],
    [
      'retry-1ns',
      { dueTime: '1h', failure_policy: { constant: { interval: '1ns', max_retries: 2 ** 31 } } },
      'failurePolicy.constant.interval',
      '1ns',
    ],
  ];
  for (const [name, body, field, value] of cases) {
    const res = await post(name, body);
    t.is(res.status, 400, `${name}: ${res.text}`);
    const error = res.json as { errorCode: string; message: string; field?: string; allowed?: string };
    t.is(error.errorCode, 'ERR_JOB_INVALID');
    t.is(error.field, field);
    t.true(error.message.includes(JSON.stringify(value)), error.message);
    t.regex(error.allowed ?? '', /at least 100ms/);
    t.is((await server.request('GET', `/v1.0-alpha1/jobs/${name}`)).status, 404, `${name} not stored`);
  }
  t.is(
    (await post('every-100ms', { schedule: '@every 100ms', dueTime: '1h' })).status,
    204,
    'the floor itself',
  );
  t.is(
    (
      await post('no-retries', {
        dueTime: '1h',
        failure_policy: { constant: { interval: '0s', max_retries: 0 } },
      })
    ).status,
    204,
    'an interval that never applies',
  );
});
