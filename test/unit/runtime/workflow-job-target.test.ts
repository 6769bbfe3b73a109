// The pure parts of workflow job targets: what a target is stored as, the errors that name its
// fields, the ids and inbox keys made of a job and its tick, and the HTTP body mapping.
import test from 'ava';
import { JobTargetValidationError, PayloadTooLargeError } from '../../../src/index.js';
import {
  tickEventKey,
  tickInstanceId,
  MAX_START_JOB_NAME,
} from '../../../src/runtime/job-targets/tick-keys.js';
import {
  checkStartJobName,
  storedWorkflowJobTarget,
  workflowJobTarget,
} from '../../../src/runtime/job-targets/workflow-job-target.js';
import { targetFields, targetSpecFromBody } from '../../../src/server/job-target-body.js';
import { startTimeFromQuery } from '../../../src/server/start-time.js';
import { JobValidationError } from '../../../src/timers/errors.js';
import type { JobView } from '../../../src/timers/job-view.js';

test('a workflow target is stored as its handler and data, and read back as sent', (t) => {
  const stored = workflowJobTarget('workflow', { name: 'report', input: { day: 1 } });
  t.deepEqual(stored, { target: 'start-workflow', data: { name: 'report', input: { day: 1 } } });
  t.deepEqual(storedWorkflowJobTarget(stored.target, stored.data), {
    workflow: { name: 'report', input: { day: 1 } },
  });
  const raise = workflowJobTarget('raiseEvent', { instanceId: 'o-1', name: 'approval', data: null });
  t.deepEqual(raise, { target: 'raise-event', data: { instanceId: 'o-1', name: 'approval' } });
  t.is(storedWorkflowJobTarget('app', { x: 1 }), undefined);
  t.is(storedWorkflowJobTarget('wf-timer', { x: 1 }), undefined);
});

test('a bad target names the field, the value and what is allowed', (t) => {
  const field = (kind: 'workflow' | 'raiseEvent', value: unknown): string =>
    t.throws(() => workflowJobTarget(kind, value), { instanceOf: JobTargetValidationError })!.field;
  t.is(field('workflow', 'report'), 'target.workflow');
  t.is(field('workflow', {}), 'target.workflow.name');
  t.is(field('workflow', { name: '' }), 'target.workflow.name');
  t.is(field('workflow', { name: 'x'.repeat(257) }), 'target.workflow.name');
  t.is(field('workflow', { name: 'a', instanceId: 'b' }), 'target.workflow.instanceId');
  t.is(field('raiseEvent', { name: 'e' }), 'target.raiseEvent.instanceId');
  t.is(field('raiseEvent', { instanceId: 'a/b', name: 'e' }), 'target.raiseEvent.instanceId');
  t.is(field('raiseEvent', { instanceId: 'a', name: 7 }), 'target.raiseEvent.name');
  const error = t.throws(() => workflowJobTarget('workflow', { name: 'a', extra: 1 }))!;
  t.regex(error.message, /invalid target\.workflow\.extra: 1; allowed: only the fields name, input/);

  const large = t.throws(
    () => workflowJobTarget('raiseEvent', { instanceId: 'a', name: 'e', data: 'xxxx' }, 5),
    {
      instanceOf: PayloadTooLargeError,
    },
  );
  t.is(large?.field, 'target.raiseEvent.data');
});

test('instance ids and inbox keys come from the job and the tick only', (t) => {
  const tick = new Date('2026-12-03T02:00:00Z');
  t.is(tickInstanceId('nightly', tick), 'nightly@2026-12-03T02:00:00.000Z');
  t.is(tickEventKey('approve', tick), tickEventKey('approve', new Date(tick.getTime())));
  t.not(tickEventKey('approve', tick), tickEventKey('approve', new Date(tick.getTime() + 1)));
  t.not(tickEventKey('approve', tick), tickEventKey('approve-2', tick));
  // Inbox keys sort by time, as the client's own keys do (base 36, padded).
  t.true(tickEventKey('b', tick) < tickEventKey('a', new Date(tick.getTime() + 1000)));
  t.notThrows(() => checkStartJobName('x'.repeat(MAX_START_JOB_NAME)));
  t.is(
    t.throws(() => checkStartJobName('x'.repeat(MAX_START_JOB_NAME + 1)))?.name,
    'JobTargetValidationError',
  );
  t.regex(t.throws(() => checkStartJobName('has space'))!.message, /cannot name the instances/);
});

test('the HTTP body: one kind, data only with the app, GET shows the target', (t) => {
  t.deepEqual(targetSpecFromBody({ app: {} }, { a: 1 }), { target: 'app', data: { a: 1 } });
  t.deepEqual(targetSpecFromBody({ workflow: { name: 'w' } }, undefined), {
    target: 'start-workflow',
    data: { name: 'w' },
  });
  const field = (target: unknown, data?: unknown): string =>
    t.throws(() => targetSpecFromBody(target, data as never), { instanceOf: JobValidationError })!.field;
  t.is(field([]), 'target');
  t.is(field({}), 'target');
  t.is(field({ app: {}, workflow: { name: 'w' } }), 'target');
  t.is(field({ teleport: { topic: 't' } }), 'target.teleport');
  // publish is a kind now (a pub/sub target): its own fields are checked.
  t.is(field({ publish: { topic: 't' } }), 'target.publish.pubsubName');
  t.is(field({ app: { url: 'x' } }), 'target.app');
  t.is(field({ workflow: { name: 'w' } }, { a: 1 }), 'data');

  const view = (target: string, data: unknown): JobView =>
    ({ name: 'j', target, data, failurePolicy: { drop: {} }, createdAt: new Date(0) }) as JobView;
  t.deepEqual(targetFields(view('app', { a: 1 })), { data: { a: 1 } });
  t.deepEqual(targetFields(view('app', undefined)), {});
  t.deepEqual(targetFields(view('raise-event', { instanceId: 'i', name: 'e' })), {
    target: { raiseEvent: { instanceId: 'i', name: 'e' } },
  });
});

test('a start time is RFC 3339 with a zone, on a day that exists', (t) => {
  t.is(startTimeFromQuery(undefined), undefined);
  t.is(startTimeFromQuery(''), undefined);
  t.is(startTimeFromQuery('2026-12-03T09:00:00Z')?.toISOString(), '2026-12-03T09:00:00.000Z');
  t.is(startTimeFromQuery('2026-12-03T10:00:00.5+01:00')?.toISOString(), '2026-12-03T09:00:00.500Z');
  for (const bad of ['2026-12-03T09:00:00', '2026-02-30T00:00:00Z', 'now', '2026-12-03', '1h']) {
    t.is(t.throws(() => startTimeFromQuery(bad))?.name, 'WorkflowValidationError', bad);
  }
});
