import type { CarriedEvent } from '../history/events.js';
import type { FailureDetails } from '../history/failure-details.js';
import type { WorkflowAction } from '../engine/actions.js';
import { NOT_REGISTERED } from '../runtime/remote/worker-hub.js';
import {
  WorkerAnswerError,
  type ActivityAnswer,
  type OrchestratorAnswer,
} from '../runtime/remote/remote-work.js';
import type { StringValue, Timestamp } from './task-hub-messages.js';
import type {
  ActivityResponse,
  OrchestratorResponse,
  WireFailureDetails,
  WireOrchestratorAction,
} from './work-item-messages.js';

/**
 * A worker's answer to an orchestrator work item, decoded: its actions as tickflow carries them
 * out, or `NOT_REGISTERED` when the worker does not have the workflow (the SDKs then fail the
 * instance with an OrchestratorNotRegisteredError; tickflow offers the step to another worker
 * instead, and the instance waits while none has it). An answer tickflow cannot carry out fails
 * the instance with a WorkerAnswerError that says why.
 */
export function decodeOrchestratorAnswer(
  instanceId: string,
  response: OrchestratorResponse,
): OrchestratorAnswer | typeof NOT_REGISTERED {
  const actions = response.actions ?? [];
  if (actions.some(isNotRegistered)) return NOT_REGISTERED;
  let decoded: WorkflowAction[];
  let customStatus: unknown;
  try {
    customStatus = customStatusOf(response.customStatus);
    decoded = actions.map((action) => decodeAction(instanceId, action));
  } catch (error) {
    if (!(error instanceof WorkerAnswerError)) throw error;
    return {
      actions: [
        {
          type: 'CompleteWorkflow',
          id: -1,
          status: 'FAILED',
          failureDetails: { errorType: error.name, message: error.message, nonRetryable: true },
        },
      ],
      customStatus: undefined,
    };
  }
  return { actions: decoded, customStatus };
}

/** A worker's answer to an activity work item, decoded (`NOT_REGISTERED`: it does not have it). */
export function decodeActivityAnswer(response: ActivityResponse): ActivityAnswer | typeof NOT_REGISTERED {
  const failure = response.failureDetails;
  if (failure) {
    if (/ActivityNotRegistered/i.test(failure.errorType ?? '')) return NOT_REGISTERED;
    return { ok: false, failure: fromWireFailure(failure) };
  }
  try {
    const result = payload('result', response.result);
    return { ok: true, ...(result !== undefined && { result }) };
  } catch (error) {
    if (!(error instanceof WorkerAnswerError)) throw error;
    return { ok: false, failure: { errorType: error.name, message: error.message, nonRetryable: true } };
  }
}

function isNotRegistered(action: WireOrchestratorAction): boolean {
  const failure = action.completeOrchestration?.failureDetails;
  return /OrchestratorNotRegistered/i.test(failure?.errorType ?? '');
}

function decodeAction(instanceId: string, action: WireOrchestratorAction): WorkflowAction {
  const id = action.id ?? 0;
  if (action.scheduleTask) {
    const { name, input } = action.scheduleTask;
    return {
      type: 'ScheduleTask',
      id,
      name: required('scheduleTask.name', name),
      ...optional('input', input),
    };
  }
  if (action.createTimer) {
    return { type: 'CreateTimer', id, fireAt: toDate(action.createTimer.fireAt), origin: { kind: 'user' } };
  }
  if (action.createSubOrchestration) {
    const { name, instanceId: child, input } = action.createSubOrchestration;
    return {
      type: 'ScheduleChildWorkflow',
      id,
      name: required('createSubOrchestration.name', name),
      // The SDKs name children themselves; one that does not gets a deterministic id.
      instanceId: child || `${instanceId}:${id.toString(16).padStart(4, '0')}`,
      ...optional('input', input),
    };
  }
  if (action.sendEvent) {
    const { instance, name, data } = action.sendEvent;
    return {
      type: 'SendEvent',
      id,
      instanceId: required('sendEvent.instance.instanceId', instance?.instanceId),
      name: required('sendEvent.name', name),
      ...optional('data', data),
    };
  }
  if (action.completeOrchestration) return decodeCompletion(id, action.completeOrchestration);
  if (action.terminateOrchestration) {
    throw new WorkerAnswerError(
      'the worker asked to terminate another instance from workflow code (TerminateOrchestrationAction), ' +
        'which tickflow does not support; terminate it through the client instead',
    );
  }
  throw new WorkerAnswerError(
    `the worker answered with an action tickflow does not know (${action.orchestratorActionType ?? 'none set'})`,
  );
}

function decodeCompletion(
  id: number,
  complete: NonNullable<WireOrchestratorAction['completeOrchestration']>,
): WorkflowAction {
  const status = complete.orchestrationStatus ?? 'ORCHESTRATION_STATUS_RUNNING';
  switch (status) {
    case 'ORCHESTRATION_STATUS_COMPLETED':
      return { type: 'CompleteWorkflow', id, status: 'COMPLETED', ...optional('result', complete.result) };
    case 'ORCHESTRATION_STATUS_FAILED':
    case 'ORCHESTRATION_STATUS_CANCELED':
      return {
        type: 'CompleteWorkflow',
        id,
        status: 'FAILED',
        failureDetails: complete.failureDetails
          ? fromWireFailure(complete.failureDetails)
          : { errorType: 'WorkflowFailure', message: complete.details?.value ?? 'the workflow failed' },
      };
    case 'ORCHESTRATION_STATUS_TERMINATED':
      return { type: 'CompleteWorkflow', id, status: 'TERMINATED', ...optional('result', complete.result) };
    case 'ORCHESTRATION_STATUS_CONTINUED_AS_NEW': {
      const carriedEvents: CarriedEvent[] = (complete.carryoverEvents ?? []).flatMap((event) => {
        if (!event.eventRaised) return [];
        const data = payload('carryoverEvents.eventRaised.input', event.eventRaised.input);
        return [{ name: event.eventRaised.name, ...(data !== undefined && { data }) }];
      });
      return { type: 'ContinueAsNew', id, carriedEvents, ...optional('input', complete.result) };
    }
    default:
      throw new WorkerAnswerError(
        `the worker completed the workflow with status ${String(status)}, which is not a final status`,
      );
  }
}

export function fromWireFailure(failure: WireFailureDetails): FailureDetails {
  return {
    errorType: failure.errorType || 'Error',
    message: failure.errorMessage ?? '',
    ...(failure.stackTrace?.value !== undefined && { stack: failure.stackTrace.value }),
    ...(failure.isNonRetriable === true && { nonRetryable: true }),
  };
}

function required(field: string, value: string | undefined): string {
  if (!value) throw new WorkerAnswerError(`the worker's answer lacks ${field}`);
  return value;
}

/** `{ [key]: value }` of a JSON payload, or nothing when absent or empty. */
function optional<K extends string>(key: K, text: StringValue | undefined): { [P in K]?: unknown } {
  const value = payload(key, text);
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: unknown });
}

/**
 * The custom status a worker sent: JSON text is that value; other text is that string. The Dapr JS
 * SDK (and `@dapr/durabletask-js`) send the string given to `setCustomStatus` as it is, not as
 * JSON (`setCustomStatus("foo")` arrives as `foo`), which must not fail the instance.
 */
function customStatusOf(text: StringValue | undefined): unknown {
  if (text?.value === undefined || text.value === '') return undefined;
  try {
    return JSON.parse(text.value) as unknown;
  } catch {
    return text.value;
  }
}

function payload(field: string, text: StringValue | undefined): unknown {
  if (text?.value === undefined || text.value === '') return undefined;
  try {
    return JSON.parse(text.value) as unknown;
  } catch {
    throw new WorkerAnswerError(
      `the worker's ${field} is not JSON text (${JSON.stringify(text.value.slice(0, 80))}); the SDKs send JSON`,
    );
  }
}

function toDate(timestamp: Timestamp | undefined): Date {
  const ms = Number(timestamp?.seconds ?? 0) * 1000 + Math.floor((timestamp?.nanos ?? 0) / 1_000_000);
  if (!Number.isFinite(ms)) throw new WorkerAnswerError('the worker sent a timer with an invalid fireAt');
  return new Date(ms);
}
