import type { WorkflowClient } from '../workflow-client.js';
import type { WorkflowRuntime } from '../workflow-runtime.js';
import type { WorkflowRuntimeStatus } from '../history/status.js';
import type { StoreCommitEvent } from '../etcd/group-commit.js';
import type { DeliveryOutcome } from './app-delivery.js';
import { CallbackGauge, Counter, Histogram, MetricsRegistry } from './prometheus.js';
import { WarningCounter } from './warning-counter.js';

/** Instance counts are read from etcd when scraped; this caps the cost of one scrape. */
const INSTANCE_SCAN_LIMIT = 100_000;
/** Scrapes closer together than this reuse the last count. */
const INSTANCE_SCAN_CACHE_MS = 5_000;
/**
 * How long a scrape waits for the instance count. A count that takes longer (etcd slow or away)
 * finishes in the background and the scrape shows the last one: /metrics must answer precisely
 * when the store stalls, since that is when the overdue gauge and warning counter matter.
 */
const INSTANCE_SCAN_WAIT_MS = 2_000;
const LATENESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** An fsynced etcd transaction takes ~1 ms on a local disk, tens of ms under a burst, seconds when sick. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics. Counters follow the typed events of this replica's timer
 * service and workflow runtime, so they count what this process did; instance counts by status
 * are read from etcd and so cover the whole scope.
 */
export class ServerMetrics {
  readonly registry = new MetricsRegistry();
  readonly jobsScheduled = this.registry.register(
    new Counter('tickflow_jobs_scheduled_total', 'Jobs scheduled through the HTTP API.'),
  );
  readonly jobsDeleted = this.registry.register(
    new Counter('tickflow_jobs_deleted_total', 'Jobs deleted through the HTTP API.'),
  );
  readonly #triggered = this.registry.register(
    new Counter('tickflow_jobs_triggered_total', 'Trigger attempts by target and result.'),
  );
  readonly #failed = this.registry.register(
    new Counter(
      'tickflow_jobs_failed_total',
      'Trigger attempts that failed (the failure policy decides what next).',
    ),
  );
  readonly #staged = this.registry.register(
    new Counter('tickflow_jobs_staged_total', 'Triggers staged because no consumer could take them.'),
  );
  readonly #ended = this.registry.register(
    new Counter('tickflow_jobs_ended_total', 'Jobs deleted after their last tick.'),
  );
  readonly #lateness = this.registry.register(
    new Histogram(
      'tickflow_trigger_lateness_seconds',
      'Delay between a tick being due and its first delivery attempt.',
      LATENESS_BUCKETS,
    ),
  );
  readonly #deliveries = this.registry.register(
    new Counter(
      'tickflow_app_deliveries_total',
      'Job callback attempts to the app, by outcome (ok, not_found, app_error, timeout, refused, unreachable).',
    ),
  );
  readonly #steps = this.registry.register(
    new Counter('tickflow_workflow_steps_total', 'Workflow steps committed by this replica.'),
  );
  readonly #completions = this.registry.register(
    new Counter(
      'tickflow_workflow_completions_total',
      'Instances this replica brought to an end, by status.',
    ),
  );
  readonly #activities = this.registry.register(
    new Counter('tickflow_workflow_activities_total', 'Activity executions finished, by result.'),
  );
  readonly #recovered = this.registry.register(
    new Counter(
      'tickflow_workflow_activities_recovered_total',
      'Activities of a replica that is gone (killed, or its lease lost) run at once on this one ' +
        'instead of when their fallback reminders come due.',
    ),
  );
  readonly #rerun = this.registry.register(
    new Counter(
      'tickflow_workflow_activities_rerun_total',
      "Activities run again by their instance's fallback reminder because they were not done " +
        'activityFallbackSeconds after their step.',
    ),
  );
  readonly #stalls = this.registry.register(
    new Counter(
      'tickflow_workflow_step_stalls_total',
      'Workflow step attempts that stalled on this replica (the code threw an error that is not a ' +
        'workflow failure; the step is retried with backoff), by workflow.',
    ),
  );
  readonly #commitSeconds = this.registry.register(
    new Histogram(
      'tickflow_store_commit_seconds',
      'Time from sending an etcd transaction to its answer, by component (workflows: steps; timers: ' +
        'trigger outcomes and batched schedules; client: starts, raises, terminations and purges ' +
        'from the APIs). Several commits share one transaction.',
      COMMIT_BUCKETS,
    ),
  );
  readonly #commits = this.registry.register(
    new Counter(
      'tickflow_store_commits_total',
      'etcd transactions sent, by component and outcome (committed; refused: a guard did not hold ' +
        'and its commits were re-sent one by one; failed: etcd failed).',
    ),
  );
  readonly #commitItems = this.registry.register(
    new Counter(
      'tickflow_store_commit_items_total',
      'Commits carried by those transactions, by component: over tickflow_store_commits_total, the ' +
        'batching achieved.',
    ),
  );
  readonly httpRequests = this.registry.register(
    new Counter('tickflow_http_requests_total', 'HTTP requests served, by method, route and status.'),
  );
  readonly #warnings = new WarningCounter(
    this.registry.register(
      new Counter(
        'tickflow_warnings_total',
        'Warnings reported by component and kind, counted before the log coalesces repeats.',
      ),
    ),
  );
  readonly #client: WorkflowClient;
  #instances: { at: number; counts: Map<string, number>; stalled: number; truncated: boolean } | undefined;
  #instanceScan: Promise<void> | undefined;

  /** One etcd transaction of `component` (`workflows`, `timers` or `client`) answered. */
  storeCommit(component: 'workflows' | 'timers' | 'client', e: StoreCommitEvent): void {
    this.#commitSeconds.observe(e.seconds, { component });
    this.#commits.inc({ component, outcome: e.outcome });
    this.#commitItems.inc({ component }, e.items);
  }

  constructor(runtime: WorkflowRuntime, client: WorkflowClient) {
    this.#client = client;
    const timers = runtime.timers;
    timers.on('triggered', (e) => {
      this.#triggered.inc({ target: e.target, result: e.result });
      if (e.result === 'failed') this.#failed.inc({ target: e.target });
      // Later attempts include the retry interval, which is not lateness.
      if (e.attempt === 1)
        this.#lateness.observe(Math.max(0, e.firedAt - e.scheduledAt) / 1000, { target: e.target });
    });
    timers.on('staged', (_name, target) => this.#staged.inc({ target }));
    timers.on('jobEnded', () => this.#ended.inc());
    timers.on('warning', (error) => this.#warnings.record('timers', error));
    timers.on('storeCommit', (e) => this.storeCommit('timers', e));
    runtime.on('storeCommit', (e) => this.storeCommit('workflows', e));
    runtime.on('warning', (error) => this.#warnings.record('workflows', error));
    runtime.on('step', () => this.#steps.inc());
    runtime.on('stalled', (e) => this.#stalls.inc({ workflow: e.workflowName }));
    runtime.on('activitiesRecovered', (count) => this.#recovered.inc({}, count));
    runtime.on('activitiesRerun', (count) => this.#rerun.inc({}, count));
    runtime.on('completed', (_id, status) => this.#completions.inc({ status }));
    runtime.on('activityFinished', (_id, _name, ok) =>
      this.#activities.inc({ result: ok ? 'ok' : 'failed' }),
    );
    this.registry.register(
      new CallbackGauge('tickflow_jobs_staged', 'Triggers waiting in the staging queue now.', () => [
        { labels: {}, value: timers.stagedCount() },
      ]),
    );
    this.registry.register(
      new CallbackGauge('tickflow_partitions_owned', 'Timer partitions this replica owns.', () => [
        { labels: {}, value: timers.ownedPartitions().length },
      ]),
    );
    this.registry.register(
      new CallbackGauge(
        'tickflow_trigger_oldest_overdue_seconds',
        'Per owned partition, seconds since its most overdue undelivered tick was due ' +
          '(waiting, in flight, retrying, staged or not yet read back); 0 when none is.',
        () =>
          timers.overdue().map(({ partition, ageMs }) => ({
            labels: { partition: String(partition) },
            value: ageMs / 1000,
          })),
      ),
    );
    this.registry.register(
      new CallbackGauge(
        'tickflow_partition_loading',
        'Per owned partition, 1 while its jobs are not loaded (loading, or a failed load being retried).',
        () => {
          const loading = new Set(timers.loadingPartitions());
          return timers.ownedPartitions().map((partition) => ({
            labels: { partition: String(partition) },
            value: loading.has(partition) ? 1 : 0,
          }));
        },
      ),
    );
    this.registry.register(
      new CallbackGauge(
        'tickflow_workflow_instances',
        `Workflow instances in the scope by status (counted from etcd, at most ${INSTANCE_SCAN_LIMIT}).`,
        () =>
          [...(this.#instances?.counts ?? new Map<string, number>())].map(([status, value]) => ({
            labels: { status },
            value,
          })),
      ),
    );
    this.registry.register(
      new CallbackGauge(
        'tickflow_workflow_instances_stalled',
        'RUNNING workflow instances in the scope whose step stalls and is being retried ' +
          `(counted from etcd with tickflow_workflow_instances, at most ${INSTANCE_SCAN_LIMIT}).`,
        () => [{ labels: {}, value: this.#instances?.stalled ?? 0 }],
      ),
    );
    this.registry.register(
      new CallbackGauge(
        'tickflow_workflow_instances_truncated',
        `1 when the scope holds more instances than the ${INSTANCE_SCAN_LIMIT} counted.`,
        () => [{ labels: {}, value: this.#instances?.truncated ? 1 : 0 }],
      ),
    );
  }

  /** A warning of a server component (`component` label), counted before its log coalesces repeats. */
  recordWarning(component: string, warning: Error): void {
    this.#warnings.record(component, warning);
  }

  recordDelivery(outcome: DeliveryOutcome): void {
    this.#deliveries.inc({ outcome });
  }

  /** Exports, per app instance, whether deliveries go to it (1) or it is being probed (0). */
  watchAppInstances(states: () => Array<{ instance: string; reachable: boolean }>): void {
    this.registry.register(
      new CallbackGauge(
        'tickflow_app_instance_reachable',
        'Per app instance (--app-url), 1 while it takes deliveries, 0 while it cannot be reached and is probed.',
        () => states().map(({ instance, reachable }) => ({ labels: { instance }, value: reachable ? 1 : 0 })),
      ),
    );
  }

  /** The `/metrics` body. */
  async render(): Promise<string> {
    const fresh = this.#instances && Date.now() - this.#instances.at < INSTANCE_SCAN_CACHE_MS;
    if (!fresh) {
      this.#instanceScan ??= this.#countInstances()
        .catch((error: unknown) =>
          this.#warnings.record('metrics', error instanceof Error ? error : new Error(String(error))),
        )
        .finally(() => (this.#instanceScan = undefined));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#instanceScan,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, INSTANCE_SCAN_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
    return this.registry.render();
  }

  async #countInstances(): Promise<void> {
    const counts = new Map<WorkflowRuntimeStatus | string, number>();
    let seen = 0;
    let stalled = 0;
    let token: string | undefined;
    do {
      const page = await this.#client.listWorkflows({
        pageSize: 1000,
        ...(token !== undefined && { continuationToken: token }),
      });
      for (const instance of page.instances) {
        counts.set(instance.runtimeStatus, (counts.get(instance.runtimeStatus) ?? 0) + 1);
        if (instance.stalled) stalled++;
      }
      seen += page.instances.length;
      token = page.continuationToken;
    } while (token !== undefined && seen < INSTANCE_SCAN_LIMIT);
    this.#instances = { at: Date.now(), counts, stalled, truncated: token !== undefined };
  }
}
