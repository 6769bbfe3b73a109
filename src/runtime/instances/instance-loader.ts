import type { HistoryEvent } from '../../history/events.js';
import { isTerminalStatus, WorkflowRuntimeStatus } from '../../history/status.js';
import { WorkflowExecutor, type ExecutorOptions } from '../../engine/executor.js';
import type { CachedInstance } from '../steps/executor-cache.js';
import { reminderNames } from './instance-keys.js';
import { CorruptHistoryError } from './instance-store.js';
import type { StepDeps } from '../step-deps.js';
import type { StepExecutor } from '../steps/step-executor.js';
import { RemoteExecutor, type RemoteStepper } from '../remote/remote-executor.js';

export interface InstanceLoaderDeps extends StepDeps {
  maxPayloadBytes: number;
  /** The failure policy of each registered workflow, by name (see `WorkflowFailurePolicy`). */
  failurePolicy?: ExecutorOptions['failurePolicy'];
  /**
   * Where the steps of a workflow not registered in this process go: connected remote workers.
   * Without it such an instance stalls with WorkflowNotRegisteredError.
   */
  remote?: RemoteStepper;
}

/**
 * An instance as a step needs it, on a cache miss: its record, and an executor that replayed its
 * stored history. Undefined when there is no such instance, or its history cannot be read (the
 * instance is then failed with the reason; the process goes on).
 */
export async function loadInstance(
  deps: InstanceLoaderDeps,
  instanceId: string,
): Promise<CachedInstance | undefined> {
  const loaded = await deps.store.load(instanceId);
  if (!loaded) return undefined;
  const { record, modRevision } = loaded;
  const executor = executorFor(deps, record.name);
  if (isTerminalStatus(record.status))
    return { executor, record, modRevision, chunks: { chunks: record.chunks, tail: [] } };
  let events: HistoryEvent[] = [];
  try {
    // A new instance has no history yet: skip the read.
    if (record.chunks > 0) events = await deps.store.history(instanceId);
  } catch (error) {
    if (!(error instanceof CorruptHistoryError)) throw error;
    await failCorrupt(deps, instanceId, modRevision, record, error);
    return undefined;
  }
  await executor.replay(events);
  const tail = record.tailEvents > 0 ? events.slice(-record.tailEvents) : [];
  return { executor, record, modRevision, chunks: { chunks: record.chunks, tail } };
}

/** A workflow registered here runs in-process; any other goes to the remote workers, if any. */
function executorFor(deps: InstanceLoaderDeps, name: string): StepExecutor {
  if (deps.remote && !deps.workflows.get(name)) return new RemoteExecutor(deps.remote, deps.maxPayloadBytes);
  return new WorkflowExecutor(deps.workflows, {
    logger: deps.logger,
    maxPayloadBytes: deps.maxPayloadBytes,
    ...(deps.failurePolicy && { failurePolicy: deps.failurePolicy }),
  });
}

async function failCorrupt(
  deps: InstanceLoaderDeps,
  instanceId: string,
  modRevision: number,
  record: CachedInstance['record'],
  error: CorruptHistoryError,
): Promise<void> {
  deps.logger.error(error.message);
  const { stalled: _stalled, ...rest } = record;
  const failed = {
    ...rest,
    status: WorkflowRuntimeStatus.FAILED,
    lastUpdatedAt: deps.clock.now(),
    failureDetails: { errorType: error.name, message: error.message, nonRetryable: true },
  };
  await deps.commit.submit({
    guards: [{ key: deps.store.keys.record(instanceId), modRevision }],
    ops: [
      { op: 'put', key: deps.store.keys.record(instanceId), value: JSON.stringify(failed) },
      ...deps.reminders.deleteJobPrefixOps(reminderNames.instancePrefix(instanceId), instanceId),
    ],
  });
  deps.events.emit('completed', instanceId, WorkflowRuntimeStatus.FAILED);
}
