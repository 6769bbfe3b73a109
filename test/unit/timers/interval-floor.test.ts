/**
 * The floor on fixed periods and retry intervals (default 100 ms): below it a job or a workflow
 * retry policy is refused, naming the field, the value and the floor; the floor is an option.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { DEFAULT_MIN_INTERVAL_MS } from '../../../src/common/interval-floor.js';
import { WorkflowArgumentError } from '../../../src/engine/errors.js';
import { resolveRetryPolicy, type RetryPolicy } from '../../../src/engine/retry-policy.js';
import { JobValidationError } from '../../../src/timers/errors.js';
import type { JobSpec } from '../../../src/timers/schedule/job.js';
import { normalizeJob } from '../../../src/timers/schedule/validate-job.js';

const NOW = Date.UTC(2026, 0, 1);

function refused(t: ExecutionContext, spec: JobSpec, field: string, value: unknown, minIntervalMs?: number) {
  const options = minIntervalMs === undefined ? {} : { minIntervalMs };
  const error = t.throws(() => normalizeJob('j', spec, NOW, options), { instanceOf: JobValidationError });
  t.is(error?.field, field);
  t.is(error?.value, value);
  t.regex(error?.allowed ?? '', /at least \d+m?s/);
  t.true(error?.message.includes(JSON.stringify(value)), error?.message);
  return error;
}

test('the default floor is 100 ms', (t) => {
  t.is(DEFAULT_MIN_INTERVAL_MS, 100);
});

test('periods below the floor are refused: @every, bare durations', (t) => {
  const e = refused(t, { schedule: '@every 1ns' }, 'schedule', '@every 1ns');
  t.regex(e.message, /100ms floor/);
  refused(t, { schedule: '99ms' }, 'schedule', '99ms');
  refused(
    t,
    { schedule: 'CRON_TZ=Europe/Paris @every 10ms' },
    'schedule',
    'CRON_TZ=Europe/Paris @every 10ms',
  );
  refused(t, { schedule: '@every 500ms', dueTime: '1s' }, 'schedule', '@every 500ms', 1_000);
});

test('periods at the floor and cron (1 s resolution) are accepted', (t) => {
  t.is(normalizeJob('j', { schedule: '@every 100ms' }, NOW).schedule, '@every 100ms');
  t.is(normalizeJob('j', { schedule: '100ms' }, NOW).schedule, '100ms');
  t.is(normalizeJob('j', { schedule: '* * * * * *' }, NOW).schedule, '* * * * * *');
  t.is(normalizeJob('j', { schedule: '@every 1s' }, NOW, { minIntervalMs: 1_000 }).schedule, '@every 1s');
  t.is(normalizeJob('j', { schedule: '@every 1ms' }, NOW, { minIntervalMs: 0 }).schedule, '@every 1ms');
});

test('a constant retry interval below the floor is refused when retries can happen', (t) => {
  const field = 'failurePolicy.constant.interval';
  const e = refused(
    t,
    { dueTime: '1s', failurePolicy: { constant: { interval: '1ns', maxRetries: 2 ** 31 } } },
    field,
    '1ns',
  );
  t.regex(e.message, /100ms floor/);
  refused(t, { dueTime: '1s', failurePolicy: { constant: { interval: '0s' } } }, field, '0s');
  refused(t, { dueTime: '1s', failurePolicy: { constant: { interval: '500ms' } } }, field, '500ms', 1_000);
});

test('retry intervals that never apply, or at the floor, are accepted', (t) => {
  const policy = (constant: { interval?: string; maxRetries?: number }, minIntervalMs?: number) =>
    normalizeJob(
      'j',
      { dueTime: '1s', failurePolicy: { constant } },
      NOW,
      minIntervalMs === undefined ? {} : { minIntervalMs },
    ).failurePolicy;
  t.deepEqual(policy({ interval: '0s', maxRetries: 0 }), { kind: 'constant', intervalMs: 0, maxRetries: 0 });
  t.deepEqual(policy({ interval: '100ms' }), { kind: 'constant', intervalMs: 100, maxRetries: undefined });
  t.deepEqual(policy({}, 1_000), { kind: 'constant', intervalMs: 1_000, maxRetries: undefined });
  t.deepEqual(policy({ interval: '1ns' }, 0), { kind: 'constant', intervalMs: 1, maxRetries: undefined });
  t.deepEqual(normalizeJob('j', { dueTime: '1s', failurePolicy: { drop: {} } }, NOW).failurePolicy, {
    kind: 'drop',
  });
});

function retryRefused(t: ExecutionContext, policy: RetryPolicy, field: string, minIntervalMs?: number) {
  const options = minIntervalMs === undefined ? {} : { minIntervalMs };
  const error = t.throws(() => resolveRetryPolicy(policy, options), { instanceOf: WorkflowArgumentError });
  t.is(error?.field, field);
  t.regex(error?.allowed ?? '', /at least \d+m?s/);
}

test('workflow retry policies: first and max retry intervals below the floor are refused', (t) => {
  retryRefused(t, { maxAttempts: 2 ** 31, firstRetryInterval: '1ns' }, 'retry.firstRetryInterval');
  retryRefused(t, { maxAttempts: 3, firstRetryInterval: 50 }, 'retry.firstRetryInterval');
  retryRefused(t, { maxAttempts: 3, firstRetryInterval: 0 }, 'retry.firstRetryInterval');
  retryRefused(
    t,
    { maxAttempts: 3, firstRetryInterval: '1s', backoffCoefficient: 2, maxRetryInterval: '10ms' },
    'retry.maxRetryInterval',
  );
  retryRefused(t, { maxAttempts: 3, firstRetryInterval: '500ms' }, 'retry.firstRetryInterval', 1_000);
});

test('workflow retry policies at the floor, without retries, or with the floor off are accepted', (t) => {
  t.is(resolveRetryPolicy({ maxAttempts: 3, firstRetryInterval: '100ms' }).firstRetryMs, 100);
  t.is(resolveRetryPolicy({ maxAttempts: 1, firstRetryInterval: 0 }).firstRetryMs, 0, 'never retries');
  t.is(resolveRetryPolicy({ maxAttempts: 3, firstRetryInterval: 1 }, { minIntervalMs: 0 }).firstRetryMs, 1);
});
