import test from 'ava';
import { TaskFailedError, WorkflowArgumentError } from '../../../src/engine/errors.js';
import { nextRetryDelay, resolveRetryPolicy } from '../../../src/engine/retry-policy.js';
import type { RetryPolicy } from '../../../src/engine/retry-policy.js';
import { failure, MINUTE, SECOND } from '../../helpers/history-builder.js';

const transient = new TaskFailedError('activity', 'a', 1, failure('timeout'));

function delays(policy: RetryPolicy, elapsed = 0): Array<number | undefined> {
  const resolved = resolveRetryPolicy(policy);
  return Array.from({ length: resolved.maxAttempts }, (_, i) =>
    nextRetryDelay(resolved, i + 1, transient, elapsed),
  );
}

test('constant delay by default, no retry after the last attempt', (t) => {
  t.deepEqual(delays({ maxAttempts: 3, firstRetryInterval: '2s' }), [2 * SECOND, 2 * SECOND, undefined]);
});

test('exponential backoff is capped by maxRetryInterval', (t) => {
  t.deepEqual(
    delays({ maxAttempts: 6, firstRetryInterval: 1000, backoffCoefficient: 3, maxRetryInterval: '20s' }),
    [1 * SECOND, 3 * SECOND, 9 * SECOND, 20 * SECOND, 20 * SECOND, undefined],
  );
});

test('maxAttempts 1 never retries', (t) => {
  t.deepEqual(delays({ maxAttempts: 1, firstRetryInterval: '1s' }), [undefined]);
});

test('retryTimeout stops retries that would start too late', (t) => {
  const resolved = resolveRetryPolicy({ maxAttempts: 9, firstRetryInterval: '1m', retryTimeout: '5m' });
  t.is(nextRetryDelay(resolved, 1, transient, 4 * MINUTE), MINUTE);
  t.is(nextRetryDelay(resolved, 1, transient, 4 * MINUTE + 1), undefined);
});

test('non-retryable failures and handle() returning false stop retries', (t) => {
  const resolved = resolveRetryPolicy({
    maxAttempts: 5,
    firstRetryInterval: '1s',
    handle: (f) => f.taskName !== 'b',
  });
  const fatal = new TaskFailedError('activity', 'a', 1, failure('x', 'Fatal', true));
  t.is(nextRetryDelay(resolved, 1, fatal, 0), undefined);
  t.is(nextRetryDelay(resolved, 1, new TaskFailedError('activity', 'b', 1, failure('x')), 0), undefined);
  t.is(nextRetryDelay(resolved, 1, transient, 0), SECOND);
});

const invalid: Array<[RetryPolicy, string]> = [
  [{ maxAttempts: 0, firstRetryInterval: 1 }, 'retry.maxAttempts'],
  [{ maxAttempts: 1.5, firstRetryInterval: 1 }, 'retry.maxAttempts'],
  [{ maxAttempts: 2, firstRetryInterval: -1 }, 'retry.firstRetryInterval'],
  [{ maxAttempts: 2, firstRetryInterval: 'soon' }, 'retry.firstRetryInterval'],
  [{ maxAttempts: 2, firstRetryInterval: 1, backoffCoefficient: 0.5 }, 'retry.backoffCoefficient'],
  [{ maxAttempts: 2, firstRetryInterval: 1, maxRetryInterval: 'x' }, 'retry.maxRetryInterval'],
  [{ maxAttempts: 2, firstRetryInterval: 1, retryTimeout: Number.NaN }, 'retry.retryTimeout'],
];

for (const [policy, field] of invalid) {
  test(`an invalid ${field} is rejected naming it (${JSON.stringify(policy)})`, (t) => {
    const error = t.throws(() => resolveRetryPolicy(policy), { instanceOf: WorkflowArgumentError });
    t.is(error?.field, field);
  });
}

test('intervals: numbers are milliseconds (as Dapr), strings Go or ISO 8601 durations', (t) => {
  const resolved = resolveRetryPolicy({
    maxAttempts: 3,
    firstRetryInterval: 1500,
    maxRetryInterval: 'PT1M',
    retryTimeout: 'P1DT1H',
  });
  t.is(resolved.firstRetryMs, 1500);
  t.is(resolved.maxRetryMs, MINUTE);
  t.is(resolved.retryTimeoutMs, 25 * 60 * MINUTE);
  const error = t.throws(() => resolveRetryPolicy({ maxAttempts: 3, firstRetryInterval: 'P1M' }), {
    instanceOf: WorkflowArgumentError,
  });
  t.is(error?.field, 'retry.firstRetryInterval');
  t.regex(error?.message ?? '', /no fixed length/);
});
