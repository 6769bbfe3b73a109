// The public API of tickflow: curated named exports only.

// Workflows: authoring, runtime and client.
export { WorkflowRuntime, type WorkflowRuntimeOptions } from './workflow-runtime.js';
export { WorkflowClient, type WorkflowClientOptions, type WorkflowJobSpec } from './workflow-client.js';
export {
  WorkflowJobTargetName,
  type RaiseEventJobTarget,
  type StartWorkflowJobTarget,
  type WorkflowJobTarget,
  type WorkflowJobTargetKind,
} from './runtime/job-targets/workflow-job-target.js';
export { JobTargetTriggerError, JobTargetValidationError } from './runtime/job-targets/job-target-errors.js';
export type { StoreOptions } from './store-options.js';
export type {
  ActivityReference,
  CallActivityOptions,
  CallChildWorkflowOptions,
  WaitForExternalEventOptions,
  AnyWorkflow,
  Workflow,
  WorkflowContext,
  WorkflowReference,
} from './engine/workflow-context.js';
export type {
  Activity,
  ActivityRegistrationOptions,
  AnyActivity,
  WorkflowActivityContext,
} from './runtime/activities/activity-types.js';
export type { InlineActivityLimits } from './runtime/steps/inline-limits.js';
export type { RetryPolicy } from './engine/retry-policy.js';
export type { DurationInput, TimerFireAt } from './engine/duration.js';
export { Task, type TaskOutcome } from './engine/task.js';
export { TimerTask } from './engine/timer-task.js';
export { WhenAllTask, WhenAnyTask, type TaskResult, type TaskResults } from './engine/composite-tasks.js';
export type { WorkflowLogger } from './engine/logger.js';
export {
  InvalidYieldError,
  NonDeterminismError,
  TaskCanceledError,
  TaskFailedError,
  WorkflowArgumentError,
  WorkflowError,
  WorkflowFailure,
  WorkflowNotRegisteredError,
} from './engine/errors.js';
export { OutsideAwaitError } from './engine/outside-await.js';
export {
  isWorkflowFailure,
  type ErrorClass,
  type WorkflowFailurePolicy,
} from './engine/workflow-failure-policy.js';
export type { WorkflowRegistrationOptions } from './runtime/runtime-core.js';
export type { StallRetryOptions } from './runtime/steps/stall-backoff.js';
export type { WorkerHubOptions } from './runtime/remote/worker-hub.js';
export {
  WorkflowNotServedError,
  WorkerUnavailableError,
  WorkItemTooLargeError,
} from './runtime/remote/remote-work.js';
export { WorkflowStalledError } from './runtime/steps/stall-warning.js';
export {
  WorkflowAlreadyExistsError,
  WorkflowLimitError,
  WorkflowNotFoundError,
  WorkflowStateError,
  WorkflowValidationError,
  WorkflowWaitTimeoutError,
} from './runtime/workflow-errors.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, PayloadTooLargeError } from './engine/payload-limit.js';
export type {
  WorkflowState,
  WorkflowFailureDetails,
  WorkflowStallDetails,
} from './runtime/instances/workflow-state-view.js';
export type { ListWorkflowsPage, ListWorkflowsQuery } from './runtime/client-core.js';
export type { RuntimeEvents, StallEvent, StepEvent } from './runtime/runtime-events.js';
export type { StoreCommitEvent } from './etcd/group-commit.js';
export {
  execute,
  WorkflowExecutor,
  type ExecutorOptions,
  type WorkflowLookup,
  type WorkflowSource,
} from './engine/executor.js';
export type { ExecutionResult, ExecutionWarning, WarningCode } from './engine/execution-result.js';
export type { PatchBranch } from './engine/patch-ledger.js';
export type {
  CancelTimerAction,
  CompleteWorkflowAction,
  ContinueAsNewAction,
  CreateTimerAction,
  ScheduleChildWorkflowAction,
  ScheduleTaskAction,
  SendEventAction,
  WorkflowAction,
} from './engine/actions.js';

// History.
export { WorkflowRuntimeStatus } from './history/status.js';
export type {
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
  Fenced,
  HistoryEvent,
  HistoryEventType,
  OrchestratorStartedEvent,
  ParentInfo,
  PatchRecordedEvent,
  Recorded,
  TaskCompletedEvent,
  TaskFailedEvent,
  TaskScheduledEvent,
  TimerCancelledEvent,
  TimerCreatedEvent,
  TimerFiredEvent,
  TimerOrigin,
} from './history/events.js';
export type { CompletionStatus } from './history/status.js';
export type {
  PendingEvent,
  PendingTask,
  PendingTimer,
  WorkflowState as WorkflowHistoryState,
} from './history/workflow-state.js';
export type { FailureDetails } from './history/failure-details.js';
export { serializeHistory, deserializeHistory, HistorySerializationError } from './history/serialize.js';

// Timer service (Jobs API).
export {
  TimerService,
  type PartitionOverdue,
  type TimerServiceOptions,
  type ScheduleResult,
} from './timers/timer-service.js';
export type { JobPage, ListPageOptions } from './timers/job-listing.js';
export type {
  FailurePolicySpec,
  JobSpec,
  JobTrigger,
  JsonValue,
  TriggerHandler,
  TriggerResult,
} from './timers/schedule/job.js';
export type { JobView } from './timers/job-view.js';
export type { CronTimeZone } from './timers/schedule/cron-time-zone.js';
export type { TimerServiceEvents, TriggerEvent } from './timers/timer-events.js';
export {
  JobAlreadyExistsError,
  JobNotFoundError,
  JobValidationError,
  TimerServiceError,
} from './timers/errors.js';

// etcd.
export { startEmbeddedEtcd, type EmbeddedEtcd, type EmbeddedEtcdOptions } from './etcd/embedded-etcd.js';
export type {
  DefragReport,
  EtcdMaintenance,
  EtcdMaintenanceEvents,
  EtcdMaintenanceOptions,
  MaintenanceSnapshot,
  RecoveryReport,
} from './etcd/etcd-maintenance.js';
export type { MaintenancePolicyOptions, MaintenanceSample, MemberSample } from './etcd/maintenance-policy.js';
export { connectEtcd, type ConnectEtcdOptions, type EtcdKv } from './etcd/etcd-kv.js';
export type { EtcdLease } from './etcd/etcd-lease.js';
export { MemoryKv, type MemoryKvOptions } from './etcd/memory-kv.js';
export type { MemoryLease } from './etcd/memory-lease.js';
export type {
  KvEntry,
  KvEvent,
  KvLease,
  KvStore,
  RangeResult,
  TxnResult,
  WatchCallbacks,
  WatchHandle,
} from './etcd/kv-store.js';
export type { StoreGuard, StoreOp } from './etcd/store-op.js';
export { StoreError, StoreRequestError, StoreTooLargeError, StoreUnavailableError } from './etcd/errors.js';
export { EtcdNotFoundError, EmbeddedEtcdError } from './etcd/embedded-etcd-errors.js';

// The root of every error, with a stable `code`.
export { TickflowError, errorCode, type TickflowErrorOptions } from './common/tickflow-error.js';
// Bad input: every validation error (JobValidationError, WorkflowValidationError, ...) has these fields.
export type { InvalidInput } from './common/invalid-input.js';

// Clocks.
export { systemClock, type Clock } from './common/clock.js';
export { FakeClock } from './common/fake-clock.js';
