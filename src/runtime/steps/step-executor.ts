import type { HistoryEvent } from '../../history/events.js';
import type { ExecutionResult } from '../../engine/execution-result.js';
import type { WorkflowState } from '../../history/workflow-state.js';

/**
 * What the step runner needs of an instance's executor: the in-process `WorkflowExecutor`, or a
 * `RemoteExecutor` whose workflow code runs in a connected worker. Both replay stored history,
 * then turn each step's new events into actions and the events to append.
 */
export interface StepExecutor {
  /** The fold of all history applied so far (committed steps included). */
  readonly state: WorkflowState;
  replay(events: readonly HistoryEvent[]): Promise<void>;
  step(newEvents: readonly HistoryEvent[]): Promise<ExecutionResult>;
}
