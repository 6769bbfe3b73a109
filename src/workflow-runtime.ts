import { RuntimeCore, type RuntimeCoreOptions } from './runtime/runtime-core.js';
import { ClientCore } from './runtime/client-core.js';
import { attachWorkflowJobHandlers } from './runtime/job-targets/workflow-job-handlers.js';
import { systemClock } from './common/clock.js';
import type { WorkflowLogger } from './engine/logger.js';
import type { KvStore } from './etcd/kv-store.js';
import type { StallRetryOptions } from './runtime/steps/stall-backoff.js';
import { openStore, type StoreOptions } from './store-options.js';
import { TimerService, type TimerServiceOptions } from './timers/timer-service.js';
import { ReminderTarget } from './runtime/instances/instance-keys.js';

/** Options of a `WorkflowRuntime`: where the store is, plus the replica's limits and tuning. */
export interface WorkflowRuntimeOptions extends StoreOptions {
  /** Where the runtime and workflow code (`ctx.logger`) log; silent by default. */
  logger?: WorkflowLogger;
  /** Running instances kept in memory between steps (default 10,000). */
  cacheSize?: number;
  /** Activities running at once in this replica (default 256). */
  maxConcurrentActivities?: number;
  /**
   * Activities run in this replica as soon as the step that scheduled them commits. Each also has
   * a reminder-job, due this many seconds later, that runs it again only if the replica died or
   * stopped before the result was recorded (default 30). 0 runs activities from their reminders
   * only (one more etcd round trip per activity).
   */
  activityFallbackSeconds?: number;
  /**
   * Events one generation's history may hold (default 50,000). A step past it fails the instance
   * with a HistoryLimitExceededError that suggests `continueAsNew`.
   */
  maxHistoryEvents?: number;
  /**
   * JSON bytes each payload a workflow or activity hands over may have (default 256 KiB, at most
   * 1 MiB): activity and child-workflow inputs, activity results, event data sent, custom status,
   * continue-as-new input, workflow output. Over it the call throws a PayloadTooLargeError into
   * the workflow (an activity result over it fails the activity), and nothing is stored.
   */
  maxPayloadBytes?: number;
  /**
   * How a stalled step is retried: when the code throws an error that is not a workflow failure
   * (a bug, a NonDeterminismError, an unregistered workflow) the instance stays RUNNING, nothing
   * of the attempt is stored, and the step is tried again after `firstIntervalSeconds` (default
   * 1), each wait doubling up to `maxIntervalSeconds` (default 300). See docs/workflows.md.
   */
  stallRetry?: StallRetryOptions;
  /**
   * Run workflows and activities not registered here in remote workers connected over gRPC
   * (`tickflow serve` turns this on with its gRPC port). Default off.
   */
  remoteWorkers?: RuntimeCoreOptions['remoteWorkers'];
  /**
   * How far one step goes on running activities registered with `{ inline: true }` before it
   * commits: at most `maxRounds` rounds (default 100), `maxBytes` JSON bytes of their inputs and
   * outcomes (default 256 KiB) and `maxMs` milliseconds (default 1,000). See docs/workflows.md.
   */
  inlineActivities?: RuntimeCoreOptions['inlineActivities'];
  /** A dead replica's instances move to the others after about this long (default 10). */
  leaseTtlSeconds?: number;
  /** Partition count of the timer service; fixed for the life of a scope (default 32). */
  partitions?: number;
  /** This replica's id among the scope's replicas (default: host name, process id and a random suffix). */
  memberId?: string;
  /**
   * The zone of cron jobs scheduled through `timers` without `CRON_TZ=`: `'local'` (default, this
   * process's zone), `'UTC'` or an IANA name; see `TimerServiceOptions.cronTimeZone`.
   */
  cronTimeZone?: TimerServiceOptions['cronTimeZone'];
}

/**
 * A workflow runtime replica: register workflows and activities, then `start()`. Any number of
 * replicas (in one or several processes) share the work of one scope through etcd.
 */
export class WorkflowRuntime extends RuntimeCore {
  /**
   * The runtime's timer service: it holds the runtime's reminder-jobs, and jobs of your own
   * (`timers.schedule`, `timers.onTrigger`) share its partitions and replicas.
   */
  readonly timers: TimerService;
  readonly #kv: KvStore;
  readonly #ownsKv: boolean;
  readonly #jobTargets: { stop(): void };

  /**
   * Creates a replica (it does nothing until `start()`). Connects to etcd lazily, on first use.
   * Throws `TypeError` when neither `etcd` nor `kv` is given, `StoreRequestError` for bad `etcd`
   * options and `WorkflowValidationError` for a limit out of range.
   */
  constructor(options: WorkflowRuntimeOptions) {
    const { kv, owned } = openStore(options);
    const timers = new TimerService({
      kv,
      ...pick(options, [
        'namespace',
        'appId',
        'clock',
        'partitions',
        'leaseTtlSeconds',
        'memberId',
        'cronTimeZone',
      ]),
      // Activity fallbacks stay in full whatever activityFallbackSeconds is: a replica that takes
      // over runs a gone replica's activities at once (expedite), which needs their data.
      liveTargets: [ReminderTarget.activity, ReminderTarget.fallback],
    });
    super({
      kv,
      reminders: timers,
      ...pick(options, [
        'namespace',
        'appId',
        'clock',
        'logger',
        'cacheSize',
        'maxConcurrentActivities',
        'activityFallbackSeconds',
        'maxHistoryEvents',
        'maxPayloadBytes',
        'stallRetry',
        'remoteWorkers',
        'inlineActivities',
      ]),
    });
    this.timers = timers;
    this.#kv = kv;
    this.#ownsKv = owned;
    // Jobs that start workflows or raise events (docs/jobs-api.md) are acted on by every replica,
    // each for the jobs of its partitions; their warnings come through the runtime's `warning`.
    this.#jobTargets = attachWorkflowJobHandlers(timers, {
      client: new ClientCore({
        kv,
        reminders: timers,
        ...pick(options, ['namespace', 'appId', 'clock', 'maxPayloadBytes']),
      }),
      clock: options.clock ?? systemClock,
      emitWarning: (error) => this.emit('warning', error),
      retryStaged: (target) => timers.retryStaged(target),
    });
  }

  /**
   * Stops the replica (see `RuntimeCore.stop`: in-process activities finish first, partitions are
   * handed over) and closes the etcd connection if the runtime opened it.
   */
  override async stop(): Promise<void> {
    await super.stop();
    // Warning counts still owed are reported now, and no timer is left armed after stop.
    this.#jobTargets.stop();
    if (this.#ownsKv) await this.#kv.close();
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
