import type {
  CarriedEvent,
  ChildWorkflowCompletedEvent,
  ChildWorkflowCreatedEvent,
  ChildWorkflowFailedEvent,
  ContinueAsNewEvent,
  CustomStatusSetEvent,
  EventRaisedEvent,
  EventSentEvent,
  ExecutionCompletedEvent,
  ExecutionResumedEvent,
  ExecutionStartedEvent,
  ExecutionSuspendedEvent,
  ExecutionTerminatedEvent,
  OrchestratorStartedEvent,
  ParentInfo,
  PatchRecordedEvent,
  TaskCompletedEvent,
  TaskFailedEvent,
  TaskScheduledEvent,
  TimerCancelledEvent,
  TimerCreatedEvent,
  TimerFiredEvent,
  TimerOrigin,
} from '../../src/history/events.js';
import type { FailureDetails } from '../../src/history/failure-details.js';
import type { CompletionStatus } from '../../src/history/status.js';

/** The instant every test history starts at. */
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** `T0 + ms` as a Date. */
export function at(ms = 0): Date {
  return new Date(T0 + ms);
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Keeps optional fields out of events entirely, as the executor and serializer do. */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

export function failure(message: string, errorType = 'Error', nonRetryable?: boolean): FailureDetails {
  return { errorType, message, ...opt('nonRetryable', nonRetryable) };
}

/** Small constructors for every history event, with the timestamp last and defaulting to T0. */
export const ev = {
  orchestratorStarted: (time = at()): OrchestratorStartedEvent => ({
    type: 'OrchestratorStarted',
    timestamp: time,
  }),
  executionStarted: (
    options: {
      name?: string;
      instanceId?: string;
      input?: unknown;
      generation?: number;
      parent?: ParentInfo;
      scheduledStartAt?: Date;
    } = {},
    time = at(),
  ): ExecutionStartedEvent => ({
    type: 'ExecutionStarted',
    timestamp: time,
    name: options.name ?? 'wf',
    instanceId: options.instanceId ?? 'inst-1',
    generation: options.generation ?? 0,
    ...opt('input', options.input),
    ...opt('parent', options.parent),
    ...opt('scheduledStartAt', options.scheduledStartAt),
  }),
  taskScheduled: (
    eventId: number,
    name: string,
    input?: unknown,
    time = at(),
    attempt?: number,
  ): TaskScheduledEvent => ({
    type: 'TaskScheduled',
    timestamp: time,
    eventId,
    name,
    ...opt('input', input),
    ...opt('attempt', attempt),
  }),
  taskCompleted: (
    eventId: number,
    result?: unknown,
    time = at(),
    generation?: number,
  ): TaskCompletedEvent => ({
    type: 'TaskCompleted',
    timestamp: time,
    eventId,
    ...opt('result', result),
    ...opt('generation', generation),
  }),
  taskFailed: (
    eventId: number,
    details: FailureDetails,
    time = at(),
    generation?: number,
  ): TaskFailedEvent => ({
    type: 'TaskFailed',
    timestamp: time,
    eventId,
    failureDetails: details,
    ...opt('generation', generation),
  }),
  timerCreated: (
    eventId: number,
    fireAt: Date,
    origin: TimerOrigin = { kind: 'user' },
    time = at(),
  ): TimerCreatedEvent => ({
    type: 'TimerCreated',
    timestamp: time,
    eventId,
    fireAt,
    origin,
  }),
  timerFired: (eventId: number, fireAt: Date, time = fireAt, generation?: number): TimerFiredEvent => ({
    type: 'TimerFired',
    timestamp: time,
    eventId,
    fireAt,
    ...opt('generation', generation),
  }),
  timerCancelled: (eventId: number, time = at()): TimerCancelledEvent => ({
    type: 'TimerCancelled',
    timestamp: time,
    eventId,
  }),
  eventRaised: (name: string, data?: unknown, time = at()): EventRaisedEvent => ({
    type: 'EventRaised',
    timestamp: time,
    name,
    ...opt('data', data),
  }),
  eventSent: (
    eventId: number,
    instanceId: string,
    name: string,
    data?: unknown,
    time = at(),
  ): EventSentEvent => ({
    type: 'EventSent',
    timestamp: time,
    eventId,
    instanceId,
    name,
    ...opt('data', data),
  }),
  childCreated: (
    eventId: number,
    name: string,
    instanceId: string,
    input?: unknown,
    time = at(),
  ): ChildWorkflowCreatedEvent => ({
    type: 'ChildWorkflowCreated',
    timestamp: time,
    eventId,
    name,
    instanceId,
    ...opt('input', input),
  }),
  childCompleted: (
    eventId: number,
    result?: unknown,
    time = at(),
    generation?: number,
  ): ChildWorkflowCompletedEvent => ({
    type: 'ChildWorkflowCompleted',
    timestamp: time,
    eventId,
    ...opt('result', result),
    ...opt('generation', generation),
  }),
  childFailed: (
    eventId: number,
    details: FailureDetails,
    time = at(),
    generation?: number,
  ): ChildWorkflowFailedEvent => ({
    type: 'ChildWorkflowFailed',
    timestamp: time,
    eventId,
    failureDetails: details,
    ...opt('generation', generation),
  }),
  suspended: (reason?: string, time = at()): ExecutionSuspendedEvent => ({
    type: 'ExecutionSuspended',
    timestamp: time,
    ...opt('reason', reason),
  }),
  resumed: (reason?: string, time = at()): ExecutionResumedEvent => ({
    type: 'ExecutionResumed',
    timestamp: time,
    ...opt('reason', reason),
  }),
  terminated: (output?: unknown, time = at(), reason?: string): ExecutionTerminatedEvent => ({
    type: 'ExecutionTerminated',
    timestamp: time,
    ...opt('output', output),
    ...opt('reason', reason),
  }),
  customStatusSet: (customStatus?: unknown, time = at()): CustomStatusSetEvent => ({
    type: 'CustomStatusSet',
    timestamp: time,
    ...opt('customStatus', customStatus),
  }),
  patchRecorded: (patchId: string, time = at(), deprecated?: boolean): PatchRecordedEvent => ({
    type: 'PatchRecorded',
    timestamp: time,
    patchId,
    ...opt('deprecated', deprecated),
  }),
  continueAsNew: (input?: unknown, carriedEvents: CarriedEvent[] = [], time = at()): ContinueAsNewEvent => ({
    type: 'ContinueAsNew',
    timestamp: time,
    carriedEvents,
    ...opt('input', input),
  }),
  executionCompleted: (
    status: CompletionStatus,
    output?: unknown,
    failureDetails?: FailureDetails,
    time = at(),
  ): ExecutionCompletedEvent => ({
    type: 'ExecutionCompleted',
    timestamp: time,
    status,
    ...opt('output', output),
    ...opt('failureDetails', failureDetails),
  }),
};

/** The opening events of an instance's first step: OrchestratorStarted then ExecutionStarted. */
export function startEvents(
  options: Parameters<typeof ev.executionStarted>[0] = {},
  time = at(),
): [OrchestratorStartedEvent, ExecutionStartedEvent] {
  return [ev.orchestratorStarted(time), ev.executionStarted(options, time)];
}
