import type { CloudEvent } from './cloud-event.js';

/**
 * Hands a message to a broker. Resolves once the broker has stored it (Redis Streams: the XADD
 * answered); rejects with `PubSubUnavailableError` when the broker cannot be reached, so a job's
 * tick is staged rather than failed.
 */
export interface Publisher {
  publish(topic: string, event: CloudEvent): Promise<void>;
}

/** What a subscriber's handler answers for one message, as Dapr's subscriber answers. */
export type MessageOutcome = 'ack' | 'retry';

/** One message read from a topic for one subscribing app. */
export interface ReceivedMessage {
  readonly topic: string;
  /** The broker's id of the message (Redis: the stream entry id). */
  readonly id: string;
  /** The envelope as published; undefined when the stored entry is not one (it is acked and dropped). */
  readonly event: CloudEvent | undefined;
  /** True when it was handed out before and not acknowledged (the app asked to retry, or failed). */
  readonly redelivered: boolean;
}

/** Options of one subscription loop. */
export interface SubscribeOptions {
  /** The subscribing app: each app reads every message of its topics once (a consumer group). */
  group: string;
  /**
   * Names this reader within the group when one process reads for several instances of the app
   * (each gets its share of the group's messages); default: one consumer per process.
   */
  consumer?: string;
  /** The topics this app subscribes to on this broker. */
  topics: readonly string[];
  /** Called for each message; `retry` leaves it unacknowledged, to be handed out again later. */
  handle(message: ReceivedMessage): Promise<MessageOutcome>;
}

/** Reads topics for an app until stopped. */
export interface Subscriber {
  /** Starts reading; the returned function stops (in-flight handlers finish on their own). */
  subscribe(options: SubscribeOptions): () => void;
}

/** A configured pub/sub component (`--pubsub name=url`): a publisher and a subscriber. */
export interface PubSubBroker extends Publisher, Subscriber {
  /** The component's name, as `pubsubName` in the API. */
  readonly name: string;
  /** Where it is, for logs and `/v1.0/metadata` (no credentials). */
  readonly description: string;
  /** Stops every subscription and closes connections. */
  close(): Promise<void>;
}
