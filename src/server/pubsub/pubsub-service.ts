import { setTimeout as sleep } from 'node:timers/promises';
import { API_TOKEN_HEADER } from '../api-token.js';
import { cloudEvent } from './cloud-event.js';
import type { MessageOutcome, PubSubBroker, ReceivedMessage } from './pubsub-broker.js';
import type { PubSubMetrics } from './pubsub-metrics.js';
import { fetchSubscriptions, type TopicSubscription } from './app-subscriptions.js';
import { deliverToSubscriber } from './subscriber-delivery.js';
import type { JsonValue } from '../../timers/schedule/job.js';

/** An app that may subscribe: its id (its consumer group) and base URL. */
export interface SubscriberApp {
  appId: string;
  url: string;
  /**
   * Which instance of the app this is, when it has several: each reads as its own consumer of the
   * app's group (the broker then spreads the app's messages over them).
   */
  consumer?: string;
}

/** Options of `PubSubService`. */
export interface PubSubServiceOptions {
  brokers: ReadonlyMap<string, PubSubBroker>;
  /** Apps asked for their subscriptions (`GET /dapr/subscribe`): the `--app-url` app and `--app` apps. */
  subscribers: readonly SubscriberApp[];
  /** The publishing app's id: every envelope's `source`. */
  source: string;
  /** Deadline of one delivery to a subscriber, and of `/dapr/subscribe`. */
  timeoutMs: number;
  /** Sent in `dapr-api-token` to subscriber apps. */
  appApiToken?: string;
  metrics: PubSubMetrics;
  log: (line: string) => void;
  /**
   * How often an app that answered is asked again, so that an app restarted with other
   * subscriptions is read from its new list (default 30 s). Dapr's sidecar reads them once, at its
   * own start, next to its app; a tickflow server outlives the apps it serves.
   */
  refreshMs?: number;
}

/** Pauses between attempts to read an app's subscriptions while it does not answer. */
const FIRST_SUBSCRIBE_RETRY_MS = 100;
const MAX_SUBSCRIBE_RETRY_MS = 5_000;
const DEFAULT_REFRESH_MS = 30_000;
/** Distinct (app, route, outcome) failures remembered for logging once, then forgotten together. */
const LOGGED_LIMIT = 10_000;

/**
 * The server's pub/sub: publishes (from the publish API and from job ticks) and, for each
 * subscriber app, reads its topics from each broker and POSTs every message to the route the app
 * announced, acknowledging or leaving it for redelivery by the app's answer.
 */
export class PubSubService {
  readonly #o: PubSubServiceOptions;
  /** Stops of each subscriber app's current reads, by app (id and instance). */
  readonly #stops = new Map<string, Array<() => void>>();
  readonly #logged = new Set<string>();
  readonly #abort = new AbortController();

  constructor(options: PubSubServiceOptions) {
    this.#o = options;
  }

  /** The names of the configured components, for error messages. */
  get names(): string[] {
    return [...this.#o.brokers.keys()];
  }

  has(pubsubName: string): boolean {
    return this.#o.brokers.has(pubsubName);
  }

  /**
   * Publishes `data` to `topic` of component `pubsubName` in a new envelope (`id` fixed when
   * given: a job tick's delivery id). Rejects with `PubSubUnavailableError` when the broker cannot
   * be reached, `PubSubMessageTooLargeError` over the limit; the caller checked the name.
   */
  async publish(
    pubsubName: string,
    topic: string,
    data: JsonValue | undefined,
    source: 'api' | 'job',
    extra: { id?: string; dataContentType?: string } = {},
  ): Promise<void> {
    const broker = this.#o.brokers.get(pubsubName);
    if (broker === undefined) throw new Error(`no pub/sub component named ${JSON.stringify(pubsubName)}`);
    const event = cloudEvent({ pubsubName, topic, source: this.#o.source, data, ...extra });
    try {
      await broker.publish(topic, event);
      this.#o.metrics.published(pubsubName, source, 'ok');
    } catch (error) {
      this.#o.metrics.published(pubsubName, source, 'failed');
      throw error;
    }
  }

  /** Starts asking each subscriber app for its subscriptions (until it answers) and reading them. */
  start(): void {
    if (this.#o.brokers.size === 0) return;
    for (const app of this.#o.subscribers) void this.#subscribeApp(app);
  }

  /** Stops reads and closes the brokers' connections. */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const stops of this.#stops.values()) for (const stop of stops) stop();
    this.#stops.clear();
    await Promise.all([...this.#o.brokers.values()].map((b) => b.close()));
  }

  /**
   * Reads the app's subscriptions until it answers, starts reading its topics, then asks again
   * every `refreshMs`: a changed list replaces the reads (topics dropped stop, new ones start from
   * the group's position); an app that does not answer a refresh (restarting, say) keeps its reads.
   */
  async #subscribeApp(app: SubscriberApp): Promise<void> {
    let wait = FIRST_SUBSCRIBE_RETRY_MS;
    let warned = false;
    let current: string | undefined;
    for (;;) {
      if (this.#abort.signal.aborted) return;
      const answer = await fetchSubscriptions(app.url, this.#o.timeoutMs, this.#headers());
      if (this.#abort.signal.aborted) return;
      if (answer.kind === 'ok') {
        const key = subscriptionsKey(answer.subscriptions);
        if (key !== current) {
          for (const why of answer.ignored) {
            this.#o.log(
              `warning: app ${app.appId}: a subscription of ${app.url}/dapr/subscribe is ignored: ${why}`,
            );
          }
          if (current !== undefined) {
            this.#o.log(`app ${app.appId} (${app.url}) changed its subscriptions: reading the new list`);
          }
          this.#stopApp(app);
          this.#start(app, answer.subscriptions);
          current = key;
        }
        warned = false;
        wait = this.#o.refreshMs ?? DEFAULT_REFRESH_MS;
      } else {
        if (!warned) {
          warned = true;
          this.#o.log(
            `warning: app ${app.appId}: its subscriptions could not be read from ${app.url}/dapr/subscribe ` +
              `(${answer.detail}); ` +
              (current === undefined
                ? 'asking again until it answers'
                : 'its current subscriptions are kept'),
          );
        }
        if (current !== undefined) wait = this.#o.refreshMs ?? DEFAULT_REFRESH_MS;
      }
      // Ends at once when the server stops, so a pause never holds its shutdown.
      await sleep(wait, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      if (current === undefined) wait = Math.min(wait * 2, MAX_SUBSCRIBE_RETRY_MS);
    }
  }

  #stopApp(app: SubscriberApp): void {
    const key = appKey(app);
    for (const stop of this.#stops.get(key) ?? []) stop();
    this.#stops.delete(key);
  }

  #start(app: SubscriberApp, subscriptions: readonly TopicSubscription[]): void {
    const byPubsub = new Map<string, Map<string, string>>();
    for (const s of subscriptions) {
      if (!this.#o.brokers.has(s.pubsubName)) {
        this.#o.log(
          `warning: app ${app.appId} subscribes to ${s.topic} on pub/sub ${JSON.stringify(s.pubsubName)}, ` +
            `which this server does not have (--pubsub gives: ${this.names.join(', ') || 'none'}); ignored`,
        );
        continue;
      }
      const routes = byPubsub.get(s.pubsubName) ?? new Map<string, string>();
      routes.set(s.topic, s.route);
      byPubsub.set(s.pubsubName, routes);
    }
    for (const [pubsubName, routes] of byPubsub) {
      const broker = this.#o.brokers.get(pubsubName);
      if (broker === undefined) continue;
      this.#o.log(
        `app ${app.appId} (${app.url}) subscribes on pub/sub ${pubsubName} to ${[...routes.keys()].join(', ')}`,
      );
      const stops = this.#stops.get(appKey(app)) ?? [];
      this.#stops.set(appKey(app), stops);
      stops.push(
        broker.subscribe({
          group: app.appId,
          ...(app.consumer !== undefined && { consumer: app.consumer }),
          topics: [...routes.keys()],
          handle: (message) => this.#deliver(app, pubsubName, routes, message),
        }),
      );
    }
  }

  async #deliver(
    app: SubscriberApp,
    pubsubName: string,
    routes: ReadonlyMap<string, string>,
    message: ReceivedMessage,
  ): Promise<MessageOutcome> {
    const route = routes.get(message.topic);
    if (message.event === undefined || route === undefined) {
      this.#o.metrics.delivered(pubsubName, 'invalid_message');
      return 'ack';
    }
    const result = await deliverToSubscriber(
      `${app.url}${route}`,
      message.event,
      this.#o.timeoutMs,
      this.#headers(),
    );
    this.#o.metrics.delivered(pubsubName, result.outcome);
    switch (result.outcome) {
      case 'success':
        return 'ack';
      case 'drop':
      case 'not_found':
        this.#logOnce(app, route, result.outcome, `message ${message.event.id} dropped: ${result.detail}`);
        return 'ack';
      default:
        this.#logOnce(
          app,
          route,
          result.outcome,
          `delivery of message ${message.event.id} failed (${result.detail}); it is redelivered later`,
        );
        return 'retry';
    }
  }

  /** Logs the first failure of each kind per app route; all of them are counted in /metrics. */
  #logOnce(app: SubscriberApp, route: string, outcome: string, line: string): void {
    const key = `${app.appId}\n${route}\n${outcome}`;
    if (this.#logged.has(key)) return;
    if (this.#logged.size >= LOGGED_LIMIT) this.#logged.clear();
    this.#logged.add(key);
    this.#o.log(
      `warning: app ${app.appId}: ${app.url}${route}: ${line} (later ones like it are counted in ` +
        'tickflow_pubsub_deliveries_total, not logged)',
    );
  }

  #headers(): Record<string, string> {
    return this.#o.appApiToken === undefined ? {} : { [API_TOKEN_HEADER]: this.#o.appApiToken };
  }
}

const appKey = (app: SubscriberApp): string => `${app.appId}\n${app.consumer ?? ''}`;

/** The same subscriptions in any order give the same key. */
function subscriptionsKey(subscriptions: readonly TopicSubscription[]): string {
  return subscriptions
    .map((s) => `${s.pubsubName}\n${s.topic}\n${s.route}`)
    .sort()
    .join('\n\n');
}
