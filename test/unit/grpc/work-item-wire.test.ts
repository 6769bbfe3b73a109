/** History to the Durable Task wire and workers' answers back: what a remote worker sees and says. */
import test from 'ava';
import type { HistoryEvent } from '../../../src/history/events.js';
import { toWireEvents } from '../../../src/grpc/history-wire.js';
import { decodeActivityAnswer, decodeOrchestratorAnswer } from '../../../src/grpc/answer-wire.js';
import { NOT_REGISTERED } from '../../../src/runtime/remote/worker-hub.js';

const at = new Date('2026-01-01T00:00:01.500Z');
const ts = { seconds: 1767225601, nanos: 500_000_000 };

test('history events carry sequence ids, JSON payloads and timestamps as the SDKs expect', (t) => {
  const events: HistoryEvent[] = [
    {
      type: 'ExecutionStarted',
      timestamp: at,
      name: 'wf',
      instanceId: 'i',
      generation: 2,
      input: { n: 1 },
      parent: { name: 'p', instanceId: 'pi', generation: 0, taskId: 4 },
    },
    { type: 'OrchestratorStarted', timestamp: at },
    { type: 'TaskScheduled', timestamp: at, eventId: 0, name: 'a', input: 'x' },
    { type: 'TaskCompleted', timestamp: at, eventId: 0, result: [1] },
    {
      type: 'TaskFailed',
      timestamp: at,
      eventId: 0,
      failureDetails: { errorType: 'E', message: 'm', nonRetryable: true },
    },
    { type: 'TimerCreated', timestamp: at, eventId: 1, fireAt: at, origin: { kind: 'user' } },
    { type: 'TimerFired', timestamp: at, eventId: 1, fireAt: at },
    { type: 'TimerCancelled', timestamp: at, eventId: 1 },
    { type: 'CustomStatusSet', timestamp: at, customStatus: 's' },
    { type: 'EventRaised', timestamp: at, name: 'go', data: null },
    { type: 'ExecutionTerminated', timestamp: at, output: 'bye' },
  ];
  const wire = toWireEvents(events);
  t.is(wire.length, events.length - 2, 'TimerCancelled and CustomStatusSet have no wire form');
  t.deepEqual(wire[0], {
    eventId: -1,
    timestamp: ts,
    executionStarted: {
      name: 'wf',
      input: { value: '{"n":1}' },
      orchestrationInstance: { instanceId: 'i', executionId: { value: '2' } },
      parentInstance: {
        taskScheduledId: 4,
        name: { value: 'p' },
        orchestrationInstance: { instanceId: 'pi', executionId: { value: '0' } },
      },
    },
  });
  t.deepEqual(wire[2], { eventId: 0, timestamp: ts, taskScheduled: { name: 'a', input: { value: '"x"' } } });
  t.deepEqual(wire[3], {
    eventId: -1,
    timestamp: ts,
    taskCompleted: { taskScheduledId: 0, result: { value: '[1]' } },
  });
  t.deepEqual(wire[4]?.taskFailed, {
    taskScheduledId: 0,
    failureDetails: { errorType: 'E', errorMessage: 'm', isNonRetriable: true },
  });
  t.deepEqual(wire[5], { eventId: 1, timestamp: ts, timerCreated: { fireAt: ts } });
  t.deepEqual(wire[6]?.timerFired, { timerId: 1, fireAt: ts });
  t.deepEqual(wire[7]?.eventRaised, { name: 'go', input: { value: 'null' } });
  t.deepEqual(wire[8]?.executionTerminated, { input: { value: '"bye"' } });
});

test('orchestrator actions decode into tickflow actions', (t) => {
  const answer = decodeOrchestratorAnswer('parent', {
    instanceId: 'parent',
    customStatus: { value: '{"stage":2}' },
    actions: [
      { id: 0, scheduleTask: { name: 'a', input: { value: '5' } } },
      { id: 1, createTimer: { fireAt: ts } },
      { id: 2, createSubOrchestration: { name: 'child', instanceId: '' } },
      { id: 3, sendEvent: { instance: { instanceId: 'other' }, name: 'ping', data: { value: '"hi"' } } },
      {
        id: 4,
        completeOrchestration: {
          orchestrationStatus: 'ORCHESTRATION_STATUS_CONTINUED_AS_NEW',
          result: { value: '7' },
          carryoverEvents: [{ eventId: -1, eventRaised: { name: 'kept', input: { value: '1' } } }],
        },
      },
    ],
  });
  if (answer === NOT_REGISTERED) return t.fail();
  t.deepEqual(answer.customStatus, { stage: 2 });
  t.deepEqual(answer.actions, [
    { type: 'ScheduleTask', id: 0, name: 'a', input: 5 },
    { type: 'CreateTimer', id: 1, fireAt: at, origin: { kind: 'user' } },
    { type: 'ScheduleChildWorkflow', id: 2, name: 'child', instanceId: 'parent:0002' },
    { type: 'SendEvent', id: 3, instanceId: 'other', name: 'ping', data: 'hi' },
    { type: 'ContinueAsNew', id: 4, input: 7, carriedEvents: [{ name: 'kept', data: 1 }] },
  ]);
});

test('a completion with a failure keeps its details; an unsupported action fails the instance', (t) => {
  const failed = decodeOrchestratorAnswer('i', {
    actions: [
      {
        id: -1,
        completeOrchestration: {
          orchestrationStatus: 'ORCHESTRATION_STATUS_FAILED',
          failureDetails: { errorType: 'TypeError', errorMessage: 'bad', stackTrace: { value: 'at x' } },
        },
      },
    ],
  });
  t.deepEqual(failed !== NOT_REGISTERED && failed.actions, [
    {
      type: 'CompleteWorkflow',
      id: -1,
      status: 'FAILED',
      failureDetails: { errorType: 'TypeError', message: 'bad', stack: 'at x' },
    },
  ]);
  const unsupported = decodeOrchestratorAnswer('i', {
    actions: [{ id: 0, terminateOrchestration: { instanceId: 'x' } }],
  });
  const action = unsupported !== NOT_REGISTERED ? unsupported.actions[0] : undefined;
  t.is(
    action?.type === 'CompleteWorkflow' ? action.failureDetails?.errorType : undefined,
    'WorkerAnswerError',
  );
  const notJson = decodeOrchestratorAnswer('i', {
    actions: [{ id: 0, scheduleTask: { name: 'a', input: { value: 'not json' } } }],
  });
  const first = notJson !== NOT_REGISTERED ? notJson.actions[0] : undefined;
  t.regex(first?.type === 'CompleteWorkflow' ? (first.failureDetails?.message ?? '') : '', /not JSON text/);
});

test('"not registered" answers are recognised for workflows and activities', (t) => {
  t.is(
    decodeOrchestratorAnswer('i', {
      actions: [
        {
          id: -1,
          completeOrchestration: {
            orchestrationStatus: 'ORCHESTRATION_STATUS_FAILED',
            failureDetails: {
              errorType: 'OrchestratorNotRegisteredError',
              errorMessage: "Orchestrator 'x' does not exist.",
            },
          },
        },
      ],
    }),
    NOT_REGISTERED,
  );
  t.is(decodeActivityAnswer({ failureDetails: { errorType: 'ActivityNotRegisteredError' } }), NOT_REGISTERED);
  t.deepEqual(decodeActivityAnswer({ result: { value: '{"ok":1}' } }), { ok: true, result: { ok: 1 } });
  t.deepEqual(decodeActivityAnswer({ result: { value: '' } }), { ok: true });
  t.deepEqual(decodeActivityAnswer({ failureDetails: { errorType: 'E', errorMessage: 'no' } }), {
    ok: false,
    failure: { errorType: 'E', message: 'no' },
  });
});
