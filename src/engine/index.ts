export type {
  CancelTimerAction,
  CompleteWorkflowAction,
  ContinueAsNewAction,
  CreateTimerAction,
  ScheduleChildWorkflowAction,
  ScheduleTaskAction,
  SendEventAction,
  WorkflowAction,
  WorkflowActionType,
} from './actions.js';
export { continueAsNewHistory, recordActionEvent } from './actions.js';
export type { TaskResult, TaskResults } from './composite-tasks.js';
export { WhenAllTask, WhenAnyTask } from './composite-tasks.js';
export type { DurationInput, TimerFireAt } from './duration.js';
export { EPOCH_MS_THRESHOLD, parseDuration, resolveFireAt } from './duration.js';
export {
  InvalidYieldError,
  NonDeterminismError,
  TaskCanceledError,
  TaskFailedError,
  WorkflowArgumentError,
  WorkflowError,
  WorkflowNotRegisteredError,
} from './errors.js';
export type { ExecutionResult, ExecutionWarning, WarningCode } from './execution-result.js';
export type { ExecutorOptions, WorkflowLookup, WorkflowSource } from './executor.js';
export { execute, WorkflowExecutor } from './executor.js';
export type { WorkflowLogger } from './logger.js';
export { replaySafeLogger, silentLogger } from './logger.js';
export type { ResolvedRetryPolicy, RetryPolicy } from './retry-policy.js';
export { nextRetryDelay, resolveRetryPolicy } from './retry-policy.js';
export type { TaskOutcome } from './task.js';
export { Task } from './task.js';
export { TimerTask } from './timer-task.js';
export type {
  ActivityReference,
  AnyWorkflow,
  CallActivityOptions,
  CallChildWorkflowOptions,
  WaitForExternalEventOptions,
  Workflow,
  WorkflowContext,
  WorkflowReference,
} from './workflow-context.js';
