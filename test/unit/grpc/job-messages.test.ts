import test from 'ava';
import { anyFromJobData, jobDataFromAny, VALUE_TYPE_URL } from '../../../src/grpc/job-data.js';
import { jobBodyFromProto, protoJobFromResponse } from '../../../src/grpc/job-messages.js';
import { jobSpecFromBody } from '../../../src/server/job-body.js';
import { JobValidationError } from '../../../src/timers/errors.js';

test('job data: a packed Value round-trips every JSON kind', (t) => {
  const data = { n: 1.5, s: 'x', b: false, z: null, list: [1, [2], { deep: 'yes' }], empty: {} };
  const any = anyFromJobData(data);
  t.is(any?.type_url, VALUE_TYPE_URL);
  t.deepEqual(jobDataFromAny(any), data);
  for (const scalar of [null, 0, '', true, 'text'])
    t.deepEqual(jobDataFromAny(anyFromJobData(scalar)), scalar);
});

test('job data: raw bytes of another type count as JSON; no Any or an empty one is no data', (t) => {
  t.deepEqual(jobDataFromAny({ value: Buffer.from(' {"a":[1]}\n') }), { a: [1] });
  t.deepEqual(jobDataFromAny({ type_url: 'dapr.io/x', value: Buffer.from('"s"') }), 's');
  t.is(jobDataFromAny(undefined), undefined);
  t.is(jobDataFromAny(null), undefined);
  t.is(jobDataFromAny({}), undefined);
  const error = t.throws(() => jobDataFromAny({ type_url: 'x/y', value: Buffer.from('not json') }), {
    instanceOf: JobValidationError,
  });
  t.is(error?.field, 'data');
});

test('a gRPC Job maps onto the HTTP body, and through the same validator', (t) => {
  const body = jobBodyFromProto(
    {
      name: 'ignored-here',
      schedule: '@every 1m',
      due_time: '10s',
      repeats: 2,
      ttl: '1h',
      data: anyFromJobData({ k: 'v' }),
      failure_policy: {
        policy: 'constant',
        constant: { interval: { seconds: '1', nanos: 500_000_000 }, max_retries: 4 },
      },
    },
    true,
  );
  t.deepEqual(body, {
    schedule: '@every 1m',
    dueTime: '10s',
    repeats: 2,
    ttl: '1h',
    data: { k: 'v' },
    overwrite: true,
    failurePolicy: { constant: { interval: '1s500000000ns', maxRetries: 4 } },
  });
  t.deepEqual(jobSpecFromBody(body).failurePolicy, {
    constant: { interval: '1s500000000ns', maxRetries: 4 },
  });
  t.deepEqual(jobBodyFromProto({ failure_policy: { policy: 'drop', drop: {} } }, false), {
    failurePolicy: { drop: {} },
  });
});

test('a stored job answers as a gRPC Job with its interval as a Duration', (t) => {
  const job = protoJobFromResponse({
    name: 'j',
    dueTime: '1h',
    data: [1],
    failurePolicy: { constant: { interval: '1.5s', maxRetries: 2 } },
    count: 3,
    nextFireAt: '2026-01-01T00:00:00.000Z',
  });
  t.deepEqual(job.failure_policy, {
    constant: { interval: { seconds: '1', nanos: 500_000_000 }, max_retries: 2 },
  });
  t.deepEqual(jobDataFromAny(job.data), [1]);
  t.false('count' in job);
  t.deepEqual(protoJobFromResponse({ name: 'd', failurePolicy: { drop: {} } }).failure_policy, { drop: {} });
});
