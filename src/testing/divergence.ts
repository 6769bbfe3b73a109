import { describeAction, describeRecord } from '../engine/action-log.js';
import type { WorkflowAction } from '../engine/actions.js';
import { NonDeterminismError } from '../engine/errors.js';
import { WorkflowExecutor, type WorkflowSource } from '../engine/executor.js';
import { describePatchMarker, type PatchBranch } from '../engine/patch-ledger.js';
import type { HistoryEvent, PatchRecordedEvent } from '../history/events.js';

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

/** What `findDivergence` found: the first divergence, if any, and how the code met each patch. */
export interface DivergenceCheck {
  /** Where the code first decides differently from history; undefined when it never does. */
  divergence: NonDeterminismError | undefined;
  /** Each patch id the code asked about while replaying (up to the divergence), and how. */
  patchBranches: ReadonlyMap<string, PatchBranch>;
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
 *
 * Version markers go along with their step, so `ctx.patched()` answers as on replay (old branch
 * in a history written before the patch), and a marker that is not deprecated must be asked
 * about by the code in its step (code that dropped `patched` without `deprecatePatch` diverges).
 */
export async function findDivergence(
  workflow: WorkflowSource,
  history: readonly HistoryEvent[],
): Promise<DivergenceCheck> {
  // Fail-fast: code that now throws is reported as the failure it would record (a decision to
  // compare), not as a stalled step that decides nothing.
  const executor = new WorkflowExecutor(workflow, {
    recordedSteps: true,
    failurePolicy: () => ({ failFast: true }),
  });
  const found = (divergence: NonDeterminismError | undefined): DivergenceCheck => ({
    divergence,
    patchBranches: executor.patchBranches,
  });
  let highestId = 0;
  for (const step of splitSteps(history)) {
    const markers = step.filter((event): event is PatchRecordedEvent => event.type === 'PatchRecorded');
    const inputs = step.filter(
      (event) => !isDecision(event) && event.type !== 'CustomStatusSet' && event.type !== 'PatchRecorded',
    );
    const recorded = step.filter(isDecision);
    // Markers last, where history has them; the executor reads them ahead for ctx.patched().
    const { actions } = await executor.step([...inputs, ...markers]);
    // Checked first: a marker the code no longer asks about voids the step's actions.
    const dropped = markers.find((m) => m.deprecated !== true && !executor.patchBranches.has(m.patchId));
    if (dropped) {
      const stepIds = recorded.map(sequenceIdOf).filter((id): id is number => id !== undefined);
      const at = Math.max(highestId, ...stepIds) + 1;
      return found(new NonDeterminismError(at, describePatchMarker(dropped), 'nothing'));
    }
    const count = Math.max(recorded.length, actions.length);
    for (let i = 0; i < count; i++) {
      const record = recorded[i];
      const divergence = compare(record, actions[i], highestId);
      if (divergence) return found(divergence);
      const id = record && sequenceIdOf(record);
      if (id !== undefined) highestId = Math.max(highestId, id);
    }
  }
  return found(undefined);
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
