import { Counter, type MetricsRegistry } from '../prometheus.js';

/** What one delivery of a message to a subscriber app came to (the `outcome` label). */
export type SubscriberOutcome =
  'success' | 'retry' | 'drop' | 'not_found' | 'app_error' | 'unreachable' | 'invalid_message';

/** The pub/sub series of /metrics: publishes, deliveries to subscribers, broker errors. */
export class PubSubMetrics {
  readonly #published: Counter;
  readonly #deliveries: Counter;
  readonly #brokerErrors: Counter;

  constructor(registry: MetricsRegistry) {
    this.#published = registry.register(
      new Counter('tickflow_pubsub_published_total', 'Messages published, by component, source and result.'),
    );
    this.#deliveries = registry.register(
      new Counter(
        'tickflow_pubsub_deliveries_total',
        'Message deliveries to subscriber apps, by component and outcome.',
      ),
    );
    this.#brokerErrors = registry.register(
      new Counter(
        'tickflow_pubsub_broker_errors_total',
        'Errors of broker connections and commands, by component.',
      ),
    );
  }

  /** `source`: `api` (the publish API) or `job` (a job's tick). */
  published(pubsub: string, source: 'api' | 'job', result: 'ok' | 'failed'): void {
    this.#published.inc({ pubsub, source, result });
  }

  delivered(pubsub: string, outcome: SubscriberOutcome): void {
    this.#deliveries.inc({ pubsub, outcome });
  }

  brokerError(pubsub: string): void {
    this.#brokerErrors.inc({ pubsub });
  }
}
