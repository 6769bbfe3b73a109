// The public API of tickflow: curated named exports only.

// Workflows: authoring, runtime and client.
export { WorkflowRuntime, type WorkflowRuntimeOptions } from './workflow-runtime.js';
export { WorkflowClient, type WorkflowClientOptions } from './workflow-client.js';
export type { StoreOptions } from './store-options.js';
export type {
  ActivityReference,
  CallActivityOptions,
  CallChildWorkflowOptions,
  WaitForExternalEventOptions,
  Workflow,
  WorkflowContext,
  WorkflowReference,
} from './engine/workflow-context.js';
export type { Activity, WorkflowActivityContext } from './engine/runtime/activity-types.js';
export type { RetryPolicy } from './engine/retry-policy.js';
export { Task } from './engine/task.js';
export { TimerTask } from './engine/timer-task.js';
export { WhenAllTask, WhenAnyTask } from './engine/composite-tasks.js';
export type { WorkflowLogger } from './engine/logger.js';
export {
  InvalidYieldError,
  NonDeterminismError,
  TaskCanceledError,
  TaskFailedError,
  WorkflowArgumentError,
  WorkflowError,
  WorkflowNotRegisteredError,
} from './engine/errors.js';
export {
  WorkflowAlreadyExistsError,
  WorkflowLimitError,
  WorkflowNotFoundError,
  WorkflowStateError,
  WorkflowValidationError,
  WorkflowWaitTimeoutError,
} from './engine/runtime/workflow-errors.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, PayloadTooLargeError } from './engine/payload-limit.js';
export type { WorkflowState, WorkflowFailureDetails } from './engine/runtime/workflow-state-view.js';
export type { ListWorkflowsPage, ListWorkflowsQuery } from './engine/runtime/client-core.js';
export type { RuntimeEvents, StepEvent } from './engine/runtime/runtime-events.js';
export { execute, WorkflowExecutor } from './engine/executor.js';
export type { ExecutionResult } from './engine/execution-result.js';

// History.
export { WorkflowRuntimeStatus } from './history/status.js';
export type { HistoryEvent } from './history/events.js';
export type { FailureDetails } from './history/failure-details.js';
export { serializeHistory, deserializeHistory, HistorySerializationError } from './history/serialize.js';

// Timer service (Jobs API).
export { TimerService, type TimerServiceOptions, type ScheduleResult } from './timers/timer-service.js';
export type { JobPage, ListPageOptions } from './timers/job-listing.js';
export type {
  FailurePolicySpec,
  JobSpec,
  JobTrigger,
  JsonValue,
  TriggerHandler,
  TriggerResult,
} from './timers/job.js';
export type { JobView } from './timers/job-view.js';
export type { TimerServiceEvents, TriggerEvent } from './timers/timer-events.js';
export {
  JobAlreadyExistsError,
  JobNotFoundError,
  JobValidationError,
  TimerServiceError,
} from './timers/errors.js';

// etcd.
export { startEmbeddedEtcd, type EmbeddedEtcd, type EmbeddedEtcdOptions } from './etcd/embedded-etcd.js';
export { connectEtcd } from './etcd/etcd-kv.js';
export { MemoryKv } from './etcd/memory-kv.js';
export type { KvStore } from './etcd/kv-store.js';
export { StoreError, StoreRequestError, StoreTooLargeError, StoreUnavailableError } from './etcd/errors.js';
export { EtcdNotFoundError, EmbeddedEtcdError } from './etcd/embedded-etcd-errors.js';

// Bad input: every validation error (JobValidationError, WorkflowValidationError, ...) has these fields.
export type { InvalidInput } from './common/invalid-input.js';

// Clocks.
export { systemClock, type Clock } from './common/clock.js';
export { FakeClock } from './common/fake-clock.js';
