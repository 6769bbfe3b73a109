import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { anyFromJobData, type ProtoAny } from '../../../src/grpc/job-data.js';
import { GrpcTestClient, listServicesByReflection } from '../../helpers/grpc-client.js';
import { httpRequest, runCli, startServerProcess } from '../../helpers/server-fixture.js';
import { RecorderApp } from './recorder-app.js';

// Two `tickflow serve` processes: an open one with the recorder app, and one behind an API token.
// Their gRPC clients are built from the same published protos the server loads.
const TOKEN = 'grpc-test-token-0123456789';
// (ava wants every hook declared in one synchronous run, so all awaits come first.)
const app = await RecorderApp.start();
const [server, guarded] = await Promise.all([
  startServerProcess({ appUrl: app.url }),
  startServerProcess({ args: ['--api-token', TOKEN] }),
]);
test.after.always(async () => {
  await Promise.all([server.stop(), guarded.stop()]);
  await app.close();
});

const grpcPort = (s: { grpcPort: number | undefined }): number => {
  if (s.grpcPort === undefined) throw new Error('the startup line names no gRPC port');
  return s.grpcPort;
};
const dapr = GrpcTestClient.dapr(grpcPort(server));
test.after.always(() => dapr.close());

interface ProtoJob {
  name?: string;
  schedule?: string;
  repeats?: number;
  due_time?: string;
  ttl?: string;
  data?: ProtoAny | undefined;
  failure_policy?: unknown;
}

const schedule = (job: ProtoJob, overwrite = false) => dapr.call('ScheduleJobAlpha1', { job, overwrite });
const getJob = (name: string) => dapr.call<{ job: ProtoJob }>('GetJobAlpha1', { name });

test('the startup line names the gRPC port; health answers SERVING without a token', async (t) => {
  t.regex(server.stdout(), /; gRPC on 127\.0\.0\.1:\d+;/);
  for (const s of [server, guarded]) {
    const health = GrpcTestClient.health(grpcPort(s));
    const res = await health.call<{ status: string }>('Check', { service: '' });
    health.close();
    t.true(res.ok);
    if (res.ok) t.is(res.value.status, 'SERVING');
  }
});

test('reflection lists the services served', async (t) => {
  const names = await listServicesByReflection(grpcPort(server));
  t.true(names.includes('dapr.proto.runtime.v1.Dapr'), names.join(', '));
  t.true(names.includes('grpc.health.v1.Health'), names.join(', '));
});

test('with --api-token: no token or a wrong one is UNAUTHENTICATED, the token is OK; reflection needs it too', async (t) => {
  const client = GrpcTestClient.dapr(grpcPort(guarded));
  t.teardown(() => client.close());
  const job = { name: 'guarded-1', due_time: '1h' };
  const none = await client.call('ScheduleJobAlpha1', { job }, null);
  t.is(none.code, status.UNAUTHENTICATED);
  if (!none.ok) t.regex(none.details, /requires an API token: send it in the dapr-api-token metadata/);
  const wrong = await client.call('ScheduleJobAlpha1', { job }, 'not-the-token-0123456789');
  t.is(wrong.code, status.UNAUTHENTICATED);
  t.is((await client.call('GetJobAlpha1', { name: 'guarded-1' }, null)).code, status.UNAUTHENTICATED);
  t.is(
    (await client.call('GetJobAlpha1', { name: 'guarded-1' }, TOKEN)).code,
    status.NOT_FOUND,
    'nothing stored',
  );
  t.is((await client.call('ScheduleJobAlpha1', { job }, TOKEN)).code, status.OK);
  t.is((await client.call('GetJobAlpha1', { name: 'guarded-1' }, TOKEN)).code, status.OK);
  await t.throwsAsync(listServicesByReflection(grpcPort(guarded)), { message: /UNAUTHENTICATED|API token/ });
  t.true((await listServicesByReflection(grpcPort(guarded), TOKEN)).includes('dapr.proto.runtime.v1.Dapr'));
});

test('Schedule, Get and Delete a job; Get answers what was scheduled, as over HTTP', async (t) => {
  const job: ProtoJob = {
    name: 'grpc-stored',
    schedule: '@every 1h',
    due_time: '1h',
    repeats: 3,
    ttl: '10h',
    data: anyFromJobData({ order: 7, tags: ['a'] }),
    failure_policy: { constant: { interval: { seconds: '2', nanos: 0 }, max_retries: 5 } },
  };
  t.is((await schedule(job)).code, status.OK);
  const got = await getJob('grpc-stored');
  t.true(got.ok);
  if (!got.ok) return;
  // Leave out proto-loader's virtual fields naming the set member of each `optional`'s oneof.
  const fields = Object.entries(got.value.job).filter(([key]) => !key.startsWith('_'));
  const { data, failure_policy, ...rest } = Object.fromEntries(fields) as ProtoJob;
  t.deepEqual(rest, { name: 'grpc-stored', schedule: '@every 1h', due_time: '1h', repeats: 3, ttl: '10h' });
  t.deepEqual(failure_policy, {
    policy: 'constant',
    constant: { interval: { seconds: '2', nanos: 0 }, max_retries: 5, _max_retries: 'max_retries' },
  });
  t.deepEqual(data, anyFromJobData({ order: 7, tags: ['a'] }));
  // The same job over HTTP: one store, one view.
  const http = (await server.request('GET', '/v1.0-alpha1/jobs/grpc-stored')).json as Record<string, unknown>;
  t.deepEqual(http['data'], { order: 7, tags: ['a'] });
  t.deepEqual(http['failurePolicy'], { constant: { interval: '2s', maxRetries: 5 } });

  const again = await schedule(job);
  t.is(again.code, status.ALREADY_EXISTS);
  if (!again.ok) t.regex(again.details, /already exists; pass overwrite: true/);
  t.is((await schedule({ ...job, repeats: 4 }, true)).code, status.OK);
  const replaced = await getJob('grpc-stored');
  t.is(replaced.ok ? replaced.value.job.repeats : undefined, 4);

  t.is((await dapr.call('DeleteJobAlpha1', { name: 'grpc-stored' })).code, status.OK);
  const gone = await getJob('grpc-stored');
  t.is(gone.code, status.NOT_FOUND);
  if (!gone.ok) t.is(gone.metadata['error-code'], 'ERR_JOB_NOT_FOUND');
  t.is(
    (await dapr.call('DeleteJobAlpha1', { name: 'grpc-stored' })).code,
    status.OK,
    'deleting a missing job succeeds',
  );
});

test('a job scheduled over gRPC fires to the HTTP app with its data as the JSON body (a Value, or raw JSON bytes)', async (t) => {
  t.is(
    (await schedule({ name: 'grpc-fire', due_time: '0s', data: anyFromJobData({ hello: 'grpc' }) })).code,
    0,
  );
  // Raw JSON bytes with no type URL, as Dapr's Go examples pack them.
  const raw = { name: 'grpc-fire-raw', due_time: '0s', data: { value: Buffer.from('{"raw": true}') } };
  t.is((await schedule(raw)).code, 0);
  const [call] = await app.waitForCalls('grpc-fire', 1);
  t.deepEqual(JSON.parse(call?.body ?? ''), { hello: 'grpc' });
  t.is(call?.contentType, 'application/json');
  const [rawCall] = await app.waitForCalls('grpc-fire-raw', 1);
  t.deepEqual(JSON.parse(rawCall?.body ?? ''), { raw: true });
});

test('invalid input is INVALID_ARGUMENT naming the field, and nothing is stored', async (t) => {
  const cases: Array<{ job: ProtoJob | undefined; field: string; name: string }> = [
    {
      name: 'grpc-bad-schedule',
      job: { name: 'grpc-bad-schedule', schedule: 'every banana' },
      field: 'schedule',
    },
    { name: 'grpc-bad-due', job: { name: 'grpc-bad-due', due_time: '5 minutes' }, field: 'dueTime' },
    { name: 'grpc-bad-none', job: { name: 'grpc-bad-none' }, field: 'schedule' },
    {
      name: 'grpc-bad-data',
      job: {
        name: 'grpc-bad-data',
        due_time: '1h',
        data: { type_url: 'x/y', value: Buffer.from([0xff, 0]) },
      },
      field: 'data',
    },
    { name: '', job: { name: '', due_time: '1h' }, field: 'name' },
  ];
  for (const c of cases) {
    const res = await schedule(c.job ?? {});
    t.is(res.code, status.INVALID_ARGUMENT, c.name);
    if (res.ok) continue;
    t.true(res.details.length > 0);
    t.is(res.metadata['field']?.split('.')[0]?.replace(/\[.*$/, ''), c.field, `${c.name}: ${res.details}`);
    if (c.name !== '') t.is((await getJob(c.name)).code, status.NOT_FOUND, `${c.name} not stored`);
  }
  const noJob = await dapr.call('ScheduleJobAlpha1', {});
  t.is(noJob.code, status.INVALID_ARGUMENT);
  t.is((await dapr.call('GetJobAlpha1', { name: '' })).code, status.INVALID_ARGUMENT);
});

test('data over the job limit is INVALID_ARGUMENT; a message over the gRPC bound is RESOURCE_EXHAUSTED', async (t) => {
  const big = (bytes: number) => ({ value: Buffer.from(JSON.stringify('x'.repeat(bytes))) });
  const overData = await schedule({ name: 'grpc-big-data', due_time: '1h', data: big(1.5 * 1024 * 1024) });
  t.is(overData.code, status.INVALID_ARGUMENT);
  if (!overData.ok) t.is(overData.metadata['field'], 'data');
  const overMessage = await schedule({
    name: 'grpc-big-message',
    due_time: '1h',
    data: big(5 * 1024 * 1024),
  });
  t.is(overMessage.code, status.RESOURCE_EXHAUSTED);
  t.is((await getJob('grpc-big-message')).code, status.NOT_FOUND);
});

test("ListJobsAlpha1 lists the app's jobs; DeleteJobsByPrefixAlpha1 deletes those with the prefix", async (t) => {
  for (const name of ['bulk-a', 'bulk-b', 'keep-bulk']) {
    t.true((await schedule({ name, due_time: '1h' })).ok, name);
  }
  const listed = await dapr.call<{ jobs: ProtoJob[] }>('ListJobsAlpha1', {});
  if (!listed.ok) return t.fail(listed.details);
  const names = listed.value.jobs.map((j) => j.name);
  for (const name of ['bulk-a', 'bulk-b', 'keep-bulk']) t.true(names.includes(name), names.join(', '));
  t.like(
    listed.value.jobs.find((j) => j.name === 'bulk-a'),
    { due_time: '1h' },
  );
  t.true((await dapr.call('DeleteJobsByPrefixAlpha1', { name_prefix: 'bulk-' })).ok);
  t.is((await getJob('bulk-a')).code, status.NOT_FOUND);
  t.is((await getJob('bulk-b')).code, status.NOT_FOUND);
  t.true((await getJob('keep-bulk')).ok, 'a job without the prefix is kept');
});

test('the other Dapr methods answer UNIMPLEMENTED naming the method', async (t) => {
  const res = await dapr.call('GetState', { store_name: 's', key: 'k' });
  t.is(res.code, status.UNIMPLEMENTED);
  if (!res.ok) t.regex(res.details, /dapr\.proto\.runtime\.v1\.Dapr\/GetState/);
});

test('a taken --grpc-port is one clear error; --no-grpc serves none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tickflow-grpc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const taken = await runCli([
    'serve',
    '--port',
    '0',
    '--grpc-port',
    String(grpcPort(server)),
    '--data-dir',
    dir,
  ]);
  t.is(taken.code, 1, taken.stderr);
  t.regex(
    taken.stderr.trim(),
    new RegExp(
      `^error: gRPC port ${grpcPort(server)} on 127\\.0\\.0\\.1 is already in use; pass another --grpc-port$`,
    ),
  );
  const off = await startServerProcess({
    args: ['--no-grpc'],
    workflows: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
  });
  t.teardown(() => off.stop());
  t.is(off.grpcPort, undefined);
  t.regex(off.stdout(), /; no gRPC;/);
  // No remote worker can connect, so the server knows every name it runs: another is refused.
  const start = await httpRequest(off.url, 'POST', '/v1.0-beta1/workflows/dapr/noSuchWorkflow/start', {
    body: {},
  });
  t.is(start.status, 400, start.text);
  t.is((start.json as { errorCode: string }).errorCode, 'ERR_WORKFLOW_NOT_REGISTERED');
  t.regex(
    (start.json as { message: string }).message,
    /no workflow named "noSuchWorkflow" is registered on this server; registered: "/,
  );
});
