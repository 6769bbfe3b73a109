import { ClientCore } from './runtime/client-core.js';
import type { KvStore } from './etcd/kv-store.js';
import type { StoreCommitEvent } from './etcd/group-commit.js';
import { openStore, type StoreOptions } from './store-options.js';
import { TimerService } from './timers/timer-service.js';
import type { JobSpec } from './timers/schedule/job.js';
import type { AnyWorkflow } from './engine/workflow-context.js';
import {
  checkStartJobName,
  workflowJobTarget,
  type RaiseEventJobTarget,
  type StartWorkflowJobTarget,
} from './runtime/job-targets/workflow-job-target.js';
import { JobTargetValidationError } from './runtime/job-targets/job-target-errors.js';

/** Options of a `WorkflowClient`: where the store is, plus the client's limits. */
export interface WorkflowClientOptions extends StoreOptions {
  /** Must match the runtime's partition count (default 32). */
  partitions?: number;
  /** Raised events an instance may hold unconsumed before `raiseEvent` refuses more (default 10,000). */
  maxPendingEvents?: number;
  /** JSON bytes of the data of those events before `raiseEvent` refuses more (default 4 MiB). */
  maxPendingEventBytes?: number;
  /**
   * JSON bytes a workflow input, event data or termination output may have (default 256 KiB, at
   * most 1 MiB); larger ones are refused with a PayloadTooLargeError and nothing is stored.
   */
  maxPayloadBytes?: number;
  /**
   * Called after each etcd transaction that carries the client's writes (starts, raised events,
   * terminations, purges; concurrent calls share one): its time, how many writes it carried and
   * its outcome. `tickflow serve` reports these as `tickflow_store_commit_seconds{component="client"}`.
   */
  onStoreCommit?: (event: StoreCommitEvent) => void;
}

/**
 * A job that acts on workflows when it ticks (`WorkflowClient.scheduleWorkflowJob`): when it is
 * due (`dueTime`, `schedule`, `repeats`, `ttl`, as for any job; see docs/jobs-api.md), with the
 * job's `failurePolicy` when it cannot act.
 */
export interface WorkflowJobSpec extends Pick<
  JobSpec,
  'schedule' | 'dueTime' | 'repeats' | 'ttl' | 'overwrite' | 'failurePolicy'
> {
  /**
   * What each tick does: `{ workflow: { name, input } }` starts a new instance, with the id
   * `{job name}@{tick time in ISO 8601}` (a tick delivered again starts nothing);
   * `{ raiseEvent: { instanceId, name, data } }` raises an event into an instance. `name` may be
   * the workflow function itself.
   */
  target:
    | { workflow: Omit<StartWorkflowJobTarget, 'name'> & { name: string | AnyWorkflow } }
    | { raiseEvent: RaiseEventJobTarget };
}

/** Starts, queries and controls workflows; talks to etcd only, so it works from any process. */
export class WorkflowClient extends ClientCore {
  readonly #kv: KvStore;
  readonly #ownsKv: boolean;
  readonly #timers: TimerService;
  readonly #maxPayloadBytes: number | undefined;

  /**
   * Creates a client; it connects to etcd lazily, on first use. Throws `TypeError` when neither
   * `etcd` nor `kv` is given, `StoreRequestError` for bad `etcd` options and
   * `WorkflowValidationError` for a limit out of range.
   */
  constructor(options: WorkflowClientOptions) {
    const { kv, owned } = openStore(options);
    // Never started: used only to build reminder writes, which need the scope's key layout.
    const timers = new TimerService({
      kv,
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      ...(options.appId !== undefined && { appId: options.appId }),
      ...(options.partitions !== undefined && { partitions: options.partitions }),
      ...(options.clock !== undefined && { clock: options.clock }),
    });
    super({
      kv,
      reminders: timers,
      ...(options.namespace !== undefined && { namespace: options.namespace }),
      ...(options.appId !== undefined && { appId: options.appId }),
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.maxPendingEvents !== undefined && { maxPendingEvents: options.maxPendingEvents }),
      ...(options.maxPendingEventBytes !== undefined && {
        maxPendingEventBytes: options.maxPendingEventBytes,
      }),
      ...(options.maxPayloadBytes !== undefined && { maxPayloadBytes: options.maxPayloadBytes }),
      ...(options.onStoreCommit !== undefined && { onStoreCommit: options.onStoreCommit }),
    });
    this.#kv = kv;
    this.#ownsKv = owned;
    this.#timers = timers;
    this.#maxPayloadBytes = options.maxPayloadBytes;
  }

  /**
   * Schedules job `name` whose ticks start a workflow or raise an event (see `WorkflowJobSpec`).
   * Any running `WorkflowRuntime` of the scope (or `tickflow serve`) acts on it; the job is also
   * visible, and deletable, through the Jobs API. Throws `JobTargetValidationError` for a bad
   * target (or a job name that cannot name a workflow's instances), `PayloadTooLargeError` for an
   * input or event data over `maxPayloadBytes`, and what `TimerService.schedule` throws for bad
   * timing (`JobValidationError`) or a taken name (`JobAlreadyExistsError`). Nothing is stored
   * then. Unlike the HTTP API it does not check that the workflow or the instance exists.
   */
  async scheduleWorkflowJob(name: string, spec: WorkflowJobSpec): Promise<void> {
    const { target, ...timing } = spec;
    const kinds = typeof target === 'object' && target !== null ? Object.keys(target) : [];
    const kind = kinds.length === 1 ? kinds[0] : undefined;
    if (kind !== 'workflow' && kind !== 'raiseEvent') {
      throw new JobTargetValidationError(
        'target',
        target,
        'an object with exactly one of workflow, raiseEvent',
      );
    }
    let value: unknown = (target as Record<string, unknown>)[kind];
    if (kind === 'workflow') {
      checkStartJobName(name);
      const workflow = value as { name?: unknown };
      // A workflow function stands for its registered name, as in scheduleNewWorkflow.
      if (typeof workflow === 'object' && workflow !== null && typeof workflow.name === 'function') {
        value = { ...workflow, name: (workflow.name as AnyWorkflow).name };
      }
    }
    const stored = workflowJobTarget(kind, value, this.#maxPayloadBytes);
    await this.#timers.schedule(name, { ...timing, target: stored.target, data: stored.data });
  }

  /** Deletes job `name` (of any kind); resolves whether it existed. */
  async deleteWorkflowJob(name: string): Promise<boolean> {
    return this.#timers.delete(name);
  }

  /** Closes the etcd connection this client opened. */
  async close(): Promise<void> {
    if (this.#ownsKv) await this.#kv.close();
  }
}
