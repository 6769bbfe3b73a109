// tickflow/testing: a time-skipping test environment and replay checks for workflow code.

export { TestWorkflowEnvironment, type TestWorkflowEnvironmentOptions } from './test-environment.js';
export { TestWorkflowClient } from './test-client.js';
export { ActivityMock, type ActivityCall, type ActivityOverrides } from './activity-mock.js';
export {
  activityCalls,
  assertActivityCalledWith,
  assertTimeline,
  formatDuration,
  timeline,
  type RecordedActivityCall,
  type TimelineOptions,
} from './history-assertions.js';
export {
  formatReplayResult,
  replayHistories,
  replayHistory,
  type HistorySet,
  type ReplayReport,
  type ReplayResult,
  type WorkflowSet,
} from './replay.js';
export { toHistory, type HistoryInput } from './history-input.js';
export { formatPatchCoverage, type PatchCoverage } from './patch-coverage.js';
export { replaySummary } from './replay-summary.js';
export { StepStalledError, TestEnvironmentError, TimeSkippingStalledError } from './errors.js';
export { NonDeterminismError } from '../engine/errors.js';
