import { describeAction, describeRecord } from '../engine/action-log.js';
import type { WorkflowAction } from '../engine/actions.js';
import { NonDeterminismError } from '../engine/errors.js';
import { WorkflowExecutor, type WorkflowSource } from '../engine/executor.js';
import type { HistoryEvent } from '../history/events.js';

/** History events that record what the code decided (an action, or how it ended). */
type DecisionEvent = Extract<
  HistoryEvent,
  {
    type:
      | 'TaskScheduled'
      | 'TimerCreated'
      | 'TimerCancelled'
      | 'ChildWorkflowCreated'
      | 'EventSent'
      | 'ExecutionCompleted'
      | 'ContinueAsNew';
  }
>;

const DECISIONS: ReadonlySet<HistoryEvent['type']> = new Set<DecisionEvent['type']>([
  'TaskScheduled',
  'TimerCreated',
  'TimerCancelled',
  'ChildWorkflowCreated',
  'EventSent',
  'ExecutionCompleted',
  'ContinueAsNew',
]);

function isDecision(event: HistoryEvent): event is DecisionEvent {
  return DECISIONS.has(event.type);
}

/**
 * Re-runs the code over a history step by step, as the runtime ran it, and returns the first place
 * where the code now decides differently, or undefined when it reproduces every decision.
 *
 * Each step of history is OrchestratorStarted, the events the step took in, then the records of
 * what the code decided. The step's inputs go through the real executor (`step()`), and the
 * actions it returns must match the recorded decisions one for one: same kind, same sequence id,
 * same activity/child/event name, same timer origin, same completion status. This is stricter
 * than the runtime's own replay, which only notices a divergence once a later record disagrees:
 * it also reports new actions at the end of a step and a completion that now comes out
 * differently, which a code change would do to instances started after it.
 */
export async function findDivergence(
  workflow: WorkflowSource,
  history: readonly HistoryEvent[],
): Promise<NonDeterminismError | undefined> {
  const executor = new WorkflowExecutor(workflow);
  let highestId = 0;
  for (const step of splitSteps(history)) {
    const inputs = step.filter((event) => !isDecision(event) && event.type !== 'CustomStatusSet');
    const recorded = step.filter(isDecision);
    const { actions } = await executor.step(inputs);
    const count = Math.max(recorded.length, actions.length);
    for (let i = 0; i < count; i++) {
      const record = recorded[i];
      const divergence = compare(record, actions[i], highestId);
      if (divergence) return divergence;
      const id = record && sequenceIdOf(record);
      if (id !== undefined) highestId = Math.max(highestId, id);
    }
  }
  return undefined;
}

/** Steps of history: each starts at an OrchestratorStarted (anything before the first is a step too). */
function splitSteps(history: readonly HistoryEvent[]): HistoryEvent[][] {
  const steps: HistoryEvent[][] = [];
  for (const event of history) {
    const current = steps[steps.length - 1];
    if (event.type === 'OrchestratorStarted' || !current) steps.push([event]);
    else current.push(event);
  }
  return steps;
}

function compare(
  record: DecisionEvent | undefined,
  action: WorkflowAction | undefined,
  highestId: number,
): NonDeterminismError | undefined {
  if (record && action && sameDecision(record, action)) return undefined;
  const recordId = record && sequenceIdOf(record);
  // A completion record carries no sequence id; it took the next one.
  const recordAt = record ? (recordId ?? action?.id ?? highestId + 1) : undefined;
  const actionAt = action?.id;
  if (recordAt !== undefined && actionAt !== undefined && recordAt !== actionAt) {
    // Different ids: at the lower one, one side has something and the other nothing.
    return recordAt < actionAt
      ? new NonDeterminismError(recordAt, describeDecision(record as DecisionEvent), 'nothing')
      : new NonDeterminismError(actionAt, 'nothing', describeCodeAction(action as WorkflowAction));
  }
  return new NonDeterminismError(
    recordAt ?? actionAt ?? highestId + 1,
    record ? describeDecision(record) : 'nothing',
    action ? describeCodeAction(action) : 'nothing',
  );
}

function sequenceIdOf(record: DecisionEvent): number | undefined {
  return 'eventId' in record ? record.eventId : undefined;
}

function sameDecision(record: DecisionEvent, action: WorkflowAction): boolean {
  switch (record.type) {
    case 'TaskScheduled':
      return action.type === 'ScheduleTask' && action.id === record.eventId && action.name === record.name;
    case 'ChildWorkflowCreated':
      return (
        action.type === 'ScheduleChildWorkflow' && action.id === record.eventId && action.name === record.name
      );
    case 'EventSent':
      return (
        action.type === 'SendEvent' &&
        action.id === record.eventId &&
        action.name === record.name &&
        action.instanceId === record.instanceId
      );
    case 'TimerCreated':
      return (
        action.type === 'CreateTimer' &&
        action.id === record.eventId &&
        action.origin.kind === record.origin.kind
      );
    case 'TimerCancelled':
      return action.type === 'CancelTimer' && action.id === record.eventId;
    case 'ExecutionCompleted':
      return action.type === 'CompleteWorkflow' && action.status === record.status;
    case 'ContinueAsNew':
      return action.type === 'ContinueAsNew';
  }
}

function describeDecision(record: DecisionEvent): string {
  switch (record.type) {
    case 'ExecutionCompleted':
      return `ExecutionCompleted (${describeEnd(record.status, record.failureDetails)})`;
    case 'ContinueAsNew':
      return 'ContinueAsNew';
    default:
      return describeRecord(record);
  }
}

function describeCodeAction(action: WorkflowAction): string {
  switch (action.type) {
    case 'CompleteWorkflow':
      return `CompleteWorkflow (${describeEnd(action.status, action.failureDetails)})`;
    case 'ContinueAsNew':
      return 'ContinueAsNew';
    default:
      return describeAction(action);
  }
}

function describeEnd(status: string, failure: { errorType: string; message: string } | undefined): string {
  return failure ? `${status}: ${failure.errorType}: ${failure.message}` : status;
}
