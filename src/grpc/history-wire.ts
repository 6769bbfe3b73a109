import type { HistoryEvent } from '../history/events.js';
import type { FailureDetails } from '../history/failure-details.js';
import type { StringValue } from './task-hub-messages.js';
import { toOrchestrationStatus } from './task-hub-status.js';
import { toTimestamp } from './task-hub-wire.js';
import type { WireFailureDetails, WireHistoryEvent, WireHistoryEventBody } from './work-item-messages.js';

/** The sequence id events that answer or record nothing carry in the Durable Task protocol. */
const NO_ID = -1;

/**
 * A history event as the Durable Task protocol's `HistoryEvent`, for a remote worker to replay;
 * undefined for the events tickflow records that the protocol has no word for (CustomStatusSet,
 * PatchRecorded, TimerCancelled: none of them is an input the workers' code depends on).
 * Payloads travel as JSON text, as the SDKs write them.
 */
export function toWireEvent(event: HistoryEvent): WireHistoryEvent | undefined {
  const body = wireBody(event);
  if (!body) return undefined;
  return { eventId: body[0], timestamp: toTimestamp(event.timestamp), ...body[1] };
}

/** Each event of `events` the protocol has a word for, in order. */
export function toWireEvents(events: readonly HistoryEvent[]): WireHistoryEvent[] {
  const out: WireHistoryEvent[] = [];
  for (const event of events) {
    const wire = toWireEvent(event);
    if (wire) out.push(wire);
  }
  return out;
}

function wireBody(e: HistoryEvent): [number, WireHistoryEventBody] | undefined {
  switch (e.type) {
    case 'ExecutionStarted':
      return [
        NO_ID,
        {
          executionStarted: {
            name: e.name,
            ...json('input', e.input),
            orchestrationInstance: { instanceId: e.instanceId, executionId: { value: String(e.generation) } },
            ...(e.parent && {
              parentInstance: {
                taskScheduledId: e.parent.taskId,
                name: { value: e.parent.name },
                orchestrationInstance: {
                  instanceId: e.parent.instanceId,
                  executionId: { value: String(e.parent.generation) },
                },
              },
            }),
            ...(e.scheduledStartAt && { scheduledStartTimestamp: toTimestamp(e.scheduledStartAt) }),
          },
        },
      ];
    case 'OrchestratorStarted':
      return [NO_ID, { orchestratorStarted: {} }];
    case 'TaskScheduled':
      return [e.eventId, { taskScheduled: { name: e.name, ...json('input', e.input) } }];
    case 'TaskCompleted':
      return [NO_ID, { taskCompleted: { taskScheduledId: e.eventId, ...json('result', e.result) } }];
    case 'TaskFailed':
      return [
        NO_ID,
        { taskFailed: { taskScheduledId: e.eventId, failureDetails: wireFailure(e.failureDetails) } },
      ];
    case 'TimerCreated':
      return [e.eventId, { timerCreated: { fireAt: toTimestamp(e.fireAt) } }];
    case 'TimerFired':
      return [NO_ID, { timerFired: { timerId: e.eventId, fireAt: toTimestamp(e.fireAt) } }];
    case 'EventRaised':
      return [NO_ID, { eventRaised: { name: e.name, ...json('input', e.data) } }];
    case 'EventSent':
      return [e.eventId, { eventSent: { instanceId: e.instanceId, name: e.name, ...json('input', e.data) } }];
    case 'ChildWorkflowCreated':
      return [
        e.eventId,
        {
          subOrchestrationInstanceCreated: {
            instanceId: e.instanceId,
            name: e.name,
            ...json('input', e.input),
          },
        },
      ];
    case 'ChildWorkflowCompleted':
      return [
        NO_ID,
        { subOrchestrationInstanceCompleted: { taskScheduledId: e.eventId, ...json('result', e.result) } },
      ];
    case 'ChildWorkflowFailed':
      return [
        NO_ID,
        {
          subOrchestrationInstanceFailed: {
            taskScheduledId: e.eventId,
            failureDetails: wireFailure(e.failureDetails),
          },
        },
      ];
    case 'ExecutionSuspended':
      return [NO_ID, { executionSuspended: text('input', e.reason) }];
    case 'ExecutionResumed':
      return [NO_ID, { executionResumed: text('input', e.reason) }];
    case 'ExecutionTerminated':
      return [NO_ID, { executionTerminated: json('input', e.output) }];
    case 'ContinueAsNew':
      return [NO_ID, { continueAsNew: json('input', e.input) }];
    case 'ExecutionCompleted':
      return [
        NO_ID,
        {
          executionCompleted: {
            orchestrationStatus: toOrchestrationStatus(e.status),
            ...json('result', e.output),
            ...(e.failureDetails && { failureDetails: wireFailure(e.failureDetails) }),
          },
        },
      ];
    case 'CustomStatusSet':
    case 'PatchRecorded':
    case 'TimerCancelled':
      return undefined;
  }
}

/** Failure details as the protocol carries them (stack included: the worker is the code's home). */
export function wireFailure(details: FailureDetails): WireFailureDetails {
  return {
    errorType: details.errorType,
    errorMessage: details.message,
    ...(details.stack !== undefined && { stackTrace: { value: details.stack } }),
    ...(details.nonRetryable === true && { isNonRetriable: true }),
  };
}

/** `{ [key]: JSON text of value }`, or nothing for undefined. */
export function json<K extends string>(key: K, value: unknown): { [P in K]?: StringValue } {
  return value === undefined
    ? {}
    : ({ [key]: { value: JSON.stringify(value) } } as { [P in K]?: StringValue });
}

function text<K extends string>(key: K, value: string | undefined): { [P in K]?: StringValue } {
  return value === undefined ? {} : ({ [key]: { value } } as { [P in K]?: StringValue });
}
