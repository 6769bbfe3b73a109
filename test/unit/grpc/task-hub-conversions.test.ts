import test from 'ava';
import { WorkflowValidationError } from '../../../src/runtime/workflow-errors.js';
import type { WorkflowState } from '../../../src/runtime/instances/workflow-state-view.js';
import { toListQuery, toPurgeQuery } from '../../../src/grpc/task-hub-query.js';
import { toOrchestrationState } from '../../../src/grpc/task-hub-state.js';
import { fromStatusFilter, toOrchestrationStatus } from '../../../src/grpc/task-hub-status.js';
import { fromTimestamp, optionalString, parsePayload, toTimestamp } from '../../../src/grpc/task-hub-wire.js';

test('timestamps: to and from, seconds as decoded strings; absent or the epoch is no time', (t) => {
  const date = new Date('2026-12-03T10:00:00.123Z');
  t.deepEqual(toTimestamp(date), { seconds: 1_796_292_000, nanos: 123_000_000 });
  t.deepEqual(fromTimestamp({ seconds: '1796292000', nanos: 123_456_789 }), date);
  t.deepEqual(fromTimestamp({ seconds: 1_796_292_000, nanos: 123_000_000 }), date);
  t.is(fromTimestamp(undefined), undefined);
  t.is(fromTimestamp({}), undefined);
  t.is(fromTimestamp({ seconds: '0', nanos: 0 }), undefined);
  t.deepEqual(toTimestamp(new Date(-1)), { seconds: -1, nanos: 999_000_000 });
});

test('payloads are JSON text; empty or absent is none; anything else is refused naming the field', (t) => {
  t.deepEqual(parsePayload('input', { value: '{"a":[1,null]}' }), { a: [1, null] });
  t.is(parsePayload('input', { value: 'null' }), null);
  t.is(parsePayload('input', { value: '' }), undefined);
  t.is(parsePayload('input', {}), undefined);
  t.is(parsePayload('input', undefined), undefined);
  const error = t.throws(() => parsePayload('output', { value: 'plain text' }), {
    instanceOf: WorkflowValidationError,
  });
  t.is(error?.field, 'output');
  t.is(optionalString({ value: '' }), undefined);
  t.is(optionalString({ value: 'why' }), 'why');
});

test('statuses: every tickflow status has its proto name; CANCELED filters nothing; an unknown number is refused', (t) => {
  t.is(toOrchestrationStatus('SUSPENDED'), 'ORCHESTRATION_STATUS_SUSPENDED');
  t.is(toOrchestrationStatus('CONTINUED_AS_NEW'), 'ORCHESTRATION_STATUS_CONTINUED_AS_NEW');
  t.deepEqual(
    fromStatusFilter('f', [
      'ORCHESTRATION_STATUS_PENDING',
      'ORCHESTRATION_STATUS_CANCELED',
      'ORCHESTRATION_STATUS_FAILED',
    ]),
    ['PENDING', 'FAILED'],
  );
  t.throws(() => fromStatusFilter('query.runtimeStatus', [42]), {
    instanceOf: WorkflowValidationError,
    message: /invalid query\.runtimeStatus: 42/,
  });
});

test('a query becomes a listing query; filters the listing lacks are refused, not ignored', (t) => {
  t.deepEqual(toListQuery(undefined), {});
  t.deepEqual(
    toListQuery({
      runtimeStatus: ['ORCHESTRATION_STATUS_RUNNING'],
      createdTimeFrom: { seconds: '100' },
      maxInstanceCount: 5,
      continuationToken: { value: 'k' },
      fetchInputsAndOutputs: true,
    }),
    { status: ['RUNNING'], createdFrom: new Date(100_000), pageSize: 5, continuationToken: 'k' },
  );
  t.throws(() => toListQuery({ instanceIdPrefix: { value: 'o-' } }), { message: /instanceIdPrefix/ });
  t.throws(() => toListQuery({ taskHubNames: [{ value: 'hub' }] }), { message: /taskHubNames/ });
  t.deepEqual(toListQuery({ instanceIdPrefix: { value: '' }, taskHubNames: [{}] }), {});
});

test('a purge filter only ever lists finished instances', (t) => {
  t.deepEqual(toPurgeQuery({}), { status: ['COMPLETED', 'FAILED', 'TERMINATED'] });
  t.deepEqual(
    toPurgeQuery({
      runtimeStatus: ['ORCHESTRATION_STATUS_RUNNING', 'ORCHESTRATION_STATUS_FAILED'],
      createdTimeTo: { seconds: '7' },
    }),
    { status: ['FAILED'], createdTo: new Date(7000) },
  );
  t.deepEqual(toPurgeQuery({ runtimeStatus: ['ORCHESTRATION_STATUS_RUNNING'] }).status, []);
});

test('an orchestration state: payloads only when asked for; a failure without stack trace or output', (t) => {
  const state: WorkflowState = {
    instanceId: 'o-1',
    name: 'order',
    runtimeStatus: 'FAILED',
    createdAt: new Date(1000),
    lastUpdatedAt: new Date(2500),
    serializedInput: '1',
    serializedOutput: '"partial"',
    serializedCustomStatus: '"step 2"',
    workflowFailureDetails: {
      errorType: 'WorkflowFailure',
      message: 'no stock',
      stackTrace: 'at /srv/app.js:1',
    },
    scheduledStartAt: new Date(900),
  };
  t.deepEqual(toOrchestrationState(state, true), {
    instanceId: 'o-1',
    name: 'order',
    orchestrationStatus: 'ORCHESTRATION_STATUS_FAILED',
    createdTimestamp: { seconds: 1, nanos: 0 },
    lastUpdatedTimestamp: { seconds: 2, nanos: 500_000_000 },
    scheduledStartTimestamp: { seconds: 0, nanos: 900_000_000 },
    input: { value: '1' },
    customStatus: { value: '"step 2"' },
    failureDetails: { errorType: 'WorkflowFailure', errorMessage: 'no stock' },
  });
  const bare = toOrchestrationState(
    { ...state, runtimeStatus: 'COMPLETED', workflowFailureDetails: undefined },
    false,
  );
  t.is(bare.input, undefined);
  t.is(bare.output, undefined);
  t.is(bare.customStatus, undefined);
  t.is(
    toOrchestrationState({ ...state, workflowFailureDetails: undefined }, true).output?.value,
    '"partial"',
  );
});
