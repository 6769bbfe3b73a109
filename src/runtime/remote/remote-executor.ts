import type { HistoryEvent } from '../../history/events.js';
import { toFailureDetails, type FailureDetails } from '../../history/failure-details.js';
import { applyEvents } from '../../history/fold.js';
import { WorkflowRuntimeStatus } from '../../history/status.js';
import { initialWorkflowState, type WorkflowState } from '../../history/workflow-state.js';
import { recordActionEvent, type WorkflowAction } from '../../engine/actions.js';
import { boundedFailure } from '../../engine/bounded-failure.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import { PayloadTooLargeError, payloadBytes } from '../../engine/payload-limit.js';
import type { StepExecutor } from '../steps/step-executor.js';
import { acceptedEvents } from './accepted-events.js';
import { WorkItemTooLargeError, type OrchestratorAnswer, type OrchestratorWork } from './remote-work.js';

/** What a remote executor needs: somewhere to send a step (the worker hub). */
export interface RemoteStepper {
  runOrchestrator(work: OrchestratorWork): Promise<OrchestratorAnswer>;
}

/**
 * The executor of an instance whose workflow runs in a remote worker. It plays the part the
 * in-process `WorkflowExecutor` plays for the step runner: history in, actions and the events to
 * append out; but the workflow code runs in the worker, which gets the history and the step's new
 * events and answers with actions. Everything else is the same: the step runner commits the
 * actions' history records and reminder-jobs in one guarded transaction, drops duplicate
 * deliveries (here, before the worker sees them), and stalls the step (retried with backoff)
 * when no worker answers.
 */
export class RemoteExecutor implements StepExecutor {
  readonly #stepper: RemoteStepper;
  readonly #maxPayloadBytes: number;
  #history: HistoryEvent[] = [];
  #state: WorkflowState = initialWorkflowState();

  constructor(stepper: RemoteStepper, maxPayloadBytes: number) {
    this.#stepper = stepper;
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  get state(): WorkflowState {
    return this.#state;
  }

  replay(events: readonly HistoryEvent[]): Promise<void> {
    this.#history.push(...events);
    this.#state = applyEvents(this.#state, events);
    return Promise.resolve();
  }

  async step(newEvents: readonly HistoryEvent[]): Promise<ExecutionResult> {
    const { accepted, warnings, state: taken } = acceptedEvents(this.#state, newEvents);
    const now = accepted[0]?.timestamp ?? new Date();
    let answer: OrchestratorAnswer;
    if (!needsWorker(accepted, taken)) {
      // Nothing the code could act on (duplicates only, or events held while suspended); a
      // termination is carried out here: the code has no say in it, and it needs no worker.
      answer = { actions: terminationOf(accepted), customStatus: this.#state.customStatus };
    } else {
      try {
        answer = await this.#stepper.runOrchestrator({
          instanceId: taken.instanceId,
          generation: taken.generation,
          name: taken.name,
          pastEvents: this.#history,
          newEvents: accepted,
        });
      } catch (error) {
        const details = boundedFailure(toFailureDetails(error));
        // Too large is final; anything else (no worker, a lost one) is worth another try.
        if (!(error instanceof WorkItemTooLargeError)) return this.#stalled(details, warnings);
        answer = { actions: [failure({ ...details, nonRetryable: true })], customStatus: taken.customStatus };
      }
    }
    const actions = this.#checked(answer);
    const newHistory = [...accepted];
    // Recorded in a completing step too, as in-process; one too large fails the step instead.
    const statusFits = payloadBytes(answer.customStatus) <= this.#maxPayloadBytes;
    if (statusFits && !sameJson(answer.customStatus, taken.customStatus)) {
      newHistory.push({
        type: 'CustomStatusSet',
        timestamp: now,
        ...(answer.customStatus !== undefined && { customStatus: answer.customStatus }),
      });
    }
    newHistory.push(...actions.map((action) => recordActionEvent(action, now)));
    this.#history.push(...newHistory);
    this.#state = applyEvents(this.#state, newHistory);
    return {
      actions,
      newHistory,
      status: this.#state.status,
      customStatus: this.#state.customStatus,
      // Events a suspended instance holds are in its history (the worker buffers them on replay).
      pendingEvents: 0,
      pendingEventBytes: 0,
      state: this.#state,
      warnings,
    };
  }

  /**
   * The worker's actions as the runtime carries them out: nothing after a completion, and a
   * payload over maxPayloadBytes (which the in-process executor throws into the code) fails the
   * instance instead, since the code runs elsewhere.
   */
  #checked(answer: OrchestratorAnswer): WorkflowAction[] {
    const { actions } = answer;
    const status = payloadBytes(answer.customStatus);
    if (status > this.#maxPayloadBytes) {
      const error = new PayloadTooLargeError('custom status', status, this.#maxPayloadBytes);
      return [failure(boundedFailure(toFailureDetails(error)))];
    }
    const end = actions.findIndex((a) => a.type === 'CompleteWorkflow' || a.type === 'ContinueAsNew');
    const kept = end < 0 ? actions : actions.slice(0, end + 1);
    for (const action of kept) {
      const [field, value] = payloadOf(action);
      const bytes = payloadBytes(value);
      if (bytes > this.#maxPayloadBytes) {
        const error = new PayloadTooLargeError(field, bytes, this.#maxPayloadBytes);
        return [failure(boundedFailure(toFailureDetails(error)))];
      }
    }
    return kept;
  }

  #stalled(stalled: FailureDetails, warnings: ExecutionResult['warnings']): ExecutionResult {
    return {
      actions: [],
      newHistory: [],
      status: this.#state.status,
      customStatus: this.#state.customStatus,
      pendingEvents: 0,
      pendingEventBytes: 0,
      state: this.#state,
      warnings,
      stalled,
    };
  }
}

/** The worker is asked only when it has something to act on. */
function needsWorker(accepted: readonly HistoryEvent[], after: WorkflowState): boolean {
  if (accepted.some((e) => e.type === 'ExecutionTerminated')) return false;
  if (after.status === WorkflowRuntimeStatus.SUSPENDED) return false;
  return accepted.some((e) => e.type !== 'OrchestratorStarted');
}

function terminationOf(accepted: readonly HistoryEvent[]): WorkflowAction[] {
  const terminated = accepted.find((e) => e.type === 'ExecutionTerminated');
  if (!terminated) return [];
  return [
    {
      type: 'CompleteWorkflow',
      id: -1,
      status: 'TERMINATED',
      ...(terminated.output !== undefined && { result: terminated.output }),
    },
  ];
}

function failure(details: FailureDetails): WorkflowAction {
  return { type: 'CompleteWorkflow', id: -1, status: 'FAILED', failureDetails: details };
}

function payloadOf(action: WorkflowAction): [string, unknown] {
  switch (action.type) {
    case 'ScheduleTask':
      return [`input of activity ${JSON.stringify(action.name)}`, action.input];
    case 'ScheduleChildWorkflow':
      return [`input of child workflow ${JSON.stringify(action.name)}`, action.input];
    case 'SendEvent':
      return [`data of event ${JSON.stringify(action.name)}`, action.data];
    case 'CompleteWorkflow':
      return ['workflow output', action.result];
    case 'ContinueAsNew':
      return ['continue-as-new input', action.input];
    default:
      return ['', undefined];
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
