/**
 * What GET of a job answers for its times, over HTTP and gRPC GetJobAlpha1: `schedule`, `dueTime`,
 * `ttl` and `repeats` exactly as they were scheduled, whatever their form, as Dapr answers them.
 * Dapr's scheduler keeps the job as sent and resolves dueTime and ttl only into its stored begin
 * and expiry (diagridio/go-etcd-cron's builder); daprd's GetJob copies the strings back, and
 * Dapr's own integration test (tests/integration/suite/daprd/jobs/http/fields.go, v1.14 to v1.17)
 * expects "1000s" and "123s" back for a job scheduled with them. The first test is that case.
 */
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { anyFromJobData, type ProtoAny } from '../../../src/grpc/job-data.js';
import { GrpcTestClient } from '../../helpers/grpc-client.js';
import { useServer } from '../../helpers/server-fixture.js';

// Cron here is pinned to UTC, so nothing below depends on the machine's zone.
const server = await useServer(test, { env: { TZ: 'Asia/Kolkata' }, args: ['--cron-time-zone', 'UTC'] });
if (server.grpcPort === undefined) throw new Error('the startup line names no gRPC port');
const dapr = GrpcTestClient.dapr(server.grpcPort);
test.after.always(() => dapr.close());

interface ProtoJob {
  name?: string;
  schedule?: string;
  repeats?: number;
  due_time?: string;
  ttl?: string;
  data?: ProtoAny;
  failure_policy?: unknown;
}

/** GetJobAlpha1's job without proto-loader's virtual `_field` oneof markers. */
async function grpcGet(name: string): Promise<Record<string, unknown>> {
  const got = await dapr.call<{ job: ProtoJob }>('GetJobAlpha1', { name });
  if (!got.ok) throw new Error(`GetJobAlpha1 ${name}: ${got.code} ${got.details}`);
  return Object.fromEntries(Object.entries(got.value.job).filter(([key]) => !key.startsWith('_')));
}

async function httpGet(name: string): Promise<Record<string, unknown>> {
  const res = await server.request('GET', `/v1.0-alpha1/jobs/${name}`);
  if (res.status !== 200) throw new Error(`GET ${name}: ${res.status} ${res.text}`);
  return res.json as Record<string, unknown>;
}

test("Dapr's own fields case: dueTime 1000s and ttl 123s come back as sent, over HTTP and gRPC", async (t) => {
  const posted = await server.request('POST', '/v1.0/jobs/fields', {
    body: {
      schedule: '@every 1m',
      repeats: 123,
      dueTime: '1000s',
      ttl: '123s',
      data: 'hello world',
      failure_policy: { constant: { interval: '3s', max_retries: 5 } },
    },
  });
  t.is(posted.status, 204);
  const { count, nextFireAt, ...http } = await httpGet('fields');
  t.deepEqual(http, {
    name: 'fields',
    schedule: '@every 1m',
    repeats: 123,
    dueTime: '1000s',
    ttl: '123s',
    data: 'hello world',
    failurePolicy: { constant: { interval: '3s', maxRetries: 5 } },
  });
  t.is(count, 0);
  t.is(typeof nextFireAt, 'string', 'nextFireAt (a tickflow extension) is the resolved first tick');
  const { data, failure_policy, ...grpc } = await grpcGet('fields');
  t.deepEqual(grpc, { name: 'fields', schedule: '@every 1m', repeats: 123, due_time: '1000s', ttl: '123s' });
  t.deepEqual(data, anyFromJobData('hello world'));
  t.like(failure_policy, { constant: { interval: { seconds: '3', nanos: 0 }, max_retries: 5 } });
});

test('every accepted form of dueTime and ttl comes back as sent, on both APIs', async (t) => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['rfc3339-offset', { dueTime: '2031-03-04T05:06:07.250+02:00' }],
    [
      'rfc3339-zulu',
      { schedule: '0 0 9 * * *', dueTime: '2031-03-04T05:06:07Z', ttl: '2032-01-01T00:00:00Z' },
    ],
    ['go-durations', { schedule: '@every 1h', dueTime: '1h30m', ttl: '48h' }],
    ['iso-durations', { schedule: '@every 1h', dueTime: 'PT10S', ttl: 'P1DT2H' }],
    ['cron-own-zone', { schedule: 'CRON_TZ=Europe/Paris 0 30 8 * * mon-fri', ttl: 'P2W' }],
  ];
  for (const [name, body] of cases) {
    t.is((await server.request('POST', `/v1.0-alpha1/jobs/${name}`, { body })).status, 204, name);
    t.like(await httpGet(name), body, name);
    const grpc = await grpcGet(name);
    t.is(grpc['due_time'], body['dueTime'], name);
    t.is(grpc['ttl'], body['ttl'], name);
    t.is(grpc['schedule'], body['schedule'], name);
  }
  // What the RFC3339 offset stands for is honoured, even though GET shows the text as sent.
  t.is(
    Date.parse(String((await httpGet('rfc3339-offset'))['nextFireAt'])),
    Date.UTC(2031, 2, 4, 3, 6, 7, 250),
  );
});

test('a job scheduled over gRPC reads back as sent over HTTP too', async (t) => {
  const job = { name: 'grpc-times', schedule: '@daily', due_time: 'PT1H', ttl: '2031-01-01T00:00:00+05:30' };
  t.is((await dapr.call('ScheduleJobAlpha1', { job })).code, status.OK);
  t.like(await httpGet('grpc-times'), {
    schedule: '@daily',
    dueTime: 'PT1H',
    ttl: '2031-01-01T00:00:00+05:30',
  });
  t.like(await grpcGet('grpc-times'), job);
});
