import type { WorkerHub } from '../runtime/remote/worker-hub.js';
import { CallbackGauge, Counter, type MetricsRegistry } from './prometheus.js';

/**
 * The remote workers' figures in /metrics: how many are connected, what is in flight or waiting
 * for one, work items written (and how many of them were redeliveries after a worker left), and
 * answers that matched nothing (late or duplicate: dropped, but a steady stream of them points
 * at a worker slower than its deadline).
 */
export function registerWorkerMetrics(registry: MetricsRegistry, hub: WorkerHub): void {
  const dispatched = registry.register(
    new Counter(
      'tickflow_worker_items_dispatched_total',
      'Work items written to remote workers, by kind (orchestrator, activity) and redelivery (true after a worker left).',
    ),
  );
  const unmatched = registry.register(
    new Counter(
      'tickflow_worker_answers_unmatched_total',
      'Answers from remote workers that matched no work item in flight (late or duplicate; dropped), by kind.',
    ),
  );
  const connections = registry.register(
    new Counter('tickflow_worker_connections_total', 'Remote worker streams opened (GetWorkItems).'),
  );
  hub.on('dispatched', (kind, redelivery) => dispatched.inc({ kind, redelivery: String(redelivery) }));
  hub.on('unmatchedAnswer', (kind) => unmatched.inc({ kind }));
  hub.on('connected', () => connections.inc());
  registry.register(
    new CallbackGauge('tickflow_workers_connected', 'Remote workers connected to this replica now.', () => [
      { labels: {}, value: hub.workers },
    ]),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_worker_items_inflight',
      'Work items written to remote workers and not answered yet.',
      () => [{ labels: {}, value: hub.inflight }],
    ),
  );
  registry.register(
    new CallbackGauge(
      'tickflow_worker_activities_queued',
      'Activities waiting for a remote worker to connect (bounded; see docs/dapr-workers.md).',
      () => [{ labels: {}, value: hub.queued }],
    ),
  );
}
