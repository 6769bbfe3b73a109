import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { parseCloudEvent, type CloudEvent } from './cloud-event.js';
import type { MessageOutcome, PubSubBroker, ReceivedMessage, SubscribeOptions } from './pubsub-broker.js';
import { PubSubMessageTooLargeError, PubSubUnavailableError } from './pubsub-errors.js';

/** Options of `RedisStreamsBroker`; see docs/jobs-api.md, "Pub/sub with Redis". */
export interface RedisStreamsOptions {
  /** The component's name (`pubsubName`). */
  name: string;
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  /** Largest stored envelope, in bytes (the server's payload limit plus the envelope). */
  maxMessageBytes: number;
  /** Each stream is trimmed to about this many entries on publish (`XADD MAXLEN ~`). */
  maxLenApprox: number;
  /** A message left unacknowledged this long (RETRY, an error, a crashed reader) is handed out again. */
  redeliverIntervalMs: number;
  /** Entries read per `XREADGROUP` (and per reclaim): the bound on one app's concurrent deliveries. */
  readCount: number;
  /** Deadline of a publish (connect included, as no command is queued while disconnected). */
  commandTimeoutMs?: number;
  /** Outages and their end, one line each (not one per failed command). */
  log?: (line: string) => void;
  /** Every error of a connection or command (counted in /metrics). */
  onError?: (error: Error) => void;
}

/** How long one blocking read waits for new entries before it looks for messages to reclaim. */
const BLOCK_MS = 1_000;
/** Pause after a failed read, doubling up to the cap while the broker stays unreachable. */
const FIRST_READ_BACKOFF_MS = 100;
const MAX_READ_BACKOFF_MS = 2_000;

/**
 * A pub/sub component on Redis Streams, laid out as Dapr's `pubsub.redis` lays it out: each topic
 * is a stream of that name, each message an entry whose `data` field is the CloudEvent's JSON;
 * each subscribing app is a consumer group named after its app id (created from the stream's
 * start, `0`, as Dapr does), and each tickflow process one consumer of it (one per instance of
 * the app when it has several, so the group spreads the app's messages over them). A message is acked
 * (`XACK`) once the app took it or asked to drop it; one it asked to retry, or that failed, stays
 * pending and is claimed again (`XAUTOCLAIM`) after `redeliverIntervalMs`, by any replica.
 */
export class RedisStreamsBroker implements PubSubBroker {
  readonly name: string;
  readonly description: string;
  readonly #o: RedisStreamsOptions;
  readonly #redis: Redis;
  readonly #readers = new Set<Redis>();
  readonly #stops = new Set<() => void>();
  /** This process's consumer name in every group: several replicas share a group's messages. */
  readonly #consumer = `${hostname()}-${process.pid}`;
  #down = false;
  /** Set once the command connection was first ready: until then a publish waits for it. */
  #connected = false;

  constructor(options: RedisStreamsOptions) {
    this.#o = options;
    this.name = options.name;
    const url = new URL(options.url);
    this.description = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    this.#redis = this.#connection({
      // A publish while Redis is down fails at once (and its tick is staged) rather than waiting
      // in ioredis's unbounded offline queue.
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 1,
    });
  }

  async publish(topic: string, event: CloudEvent): Promise<void> {
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.#o.maxMessageBytes) {
      throw new PubSubMessageTooLargeError(undefined, {
        invalid: {
          field: 'data',
          value: `${bytes} bytes`,
          allowed: `at most ${this.#o.maxMessageBytes} bytes`,
        },
      });
    }
    if (!this.#connected) await this.#firstConnection();
    try {
      await this.#redis.call('XADD', topic, 'MAXLEN', '~', String(this.#o.maxLenApprox), '*', 'data', json);
    } catch (error) {
      this.#o.onError?.(error as Error);
      throw new PubSubUnavailableError(
        `pubsub ${JSON.stringify(this.name)}: could not publish to ${JSON.stringify(topic)} on ` +
          `${this.description}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * A publish right after start (the server's first request, a tick due at start) waits for the
   * first connection, up to the command timeout, instead of failing because it is not made yet.
   * Later outages fail publishes at once, as the comment on the connection says.
   */
  async #firstConnection(): Promise<void> {
    // A function, not a comparison TypeScript narrows: the status changes while we wait.
    const ready = (): boolean => this.#redis.status === 'ready';
    if (!ready()) {
      const deadline = Date.now() + (this.#o.commandTimeoutMs ?? 5_000);
      await waitReady(this.#redis, () => Date.now() >= deadline);
    }
    if (ready()) this.#connected = true;
  }

  subscribe(options: SubscribeOptions): () => void {
    // Its own connection: a blocking read holds it, and publishes must not wait behind it.
    const reader = this.#connection({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.#readers.add(reader);
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      this.#stops.delete(stop);
      this.#readers.delete(reader);
      // Ends a blocking read at once.
      reader.disconnect();
    };
    this.#stops.add(stop);
    void this.#readLoop(reader, options, () => stopped);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.#stops]) stop();
    this.#redis.disconnect();
  }

  async #readLoop(reader: Redis, o: SubscribeOptions, stopped: () => boolean): Promise<void> {
    const inFlight = new Set<string>();
    const consumer = o.consumer === undefined ? this.#consumer : `${this.#consumer}-${o.consumer}`;
    let groupsReady = false;
    let backoff = FIRST_READ_BACKOFF_MS;
    let nextReclaim = Date.now() + this.#o.redeliverIntervalMs;
    while (!stopped()) {
      try {
        if (reader.status !== 'ready') await waitReady(reader, stopped);
        if (stopped()) return;
        if (!groupsReady) {
          for (const topic of o.topics) await createGroup(reader, topic, o.group);
          groupsReady = true;
        }
        if (Date.now() >= nextReclaim) {
          nextReclaim = Date.now() + Math.max(50, Math.floor(this.#o.redeliverIntervalMs / 4));
          for (const topic of o.topics) {
            const reply = await reader.call(
              'XAUTOCLAIM',
              topic,
              o.group,
              consumer,
              String(this.#o.redeliverIntervalMs),
              '0-0',
              'COUNT',
              String(this.#o.readCount),
            );
            if (stopped()) return;
            const entries = (Array.isArray(reply) ? reply[1] : undefined) as unknown;
            const messages = this.#messages(topic, entries, true).filter((m) => !inFlight.has(m.id));
            await this.#handleAll(reader, o, messages, inFlight);
          }
        }
        const block = Math.max(10, Math.min(BLOCK_MS, nextReclaim - Date.now()));
        const reply = await reader.call(
          'XREADGROUP',
          'GROUP',
          o.group,
          consumer,
          'COUNT',
          String(this.#o.readCount),
          'BLOCK',
          String(block),
          'STREAMS',
          ...o.topics,
          ...o.topics.map(() => '>'),
        );
        // A read that was already answered when the reads were stopped (disconnect does not cancel
        // a reply on its way) is not handed out: its entries stay pending in the group, and are
        // claimed again by a reader that still reads the topic.
        if (stopped()) return;
        const messages: ReceivedMessage[] = [];
        for (const stream of Array.isArray(reply) ? (reply as unknown[]) : []) {
          if (!Array.isArray(stream)) continue;
          messages.push(...this.#messages(String(stream[0]), stream[1], false));
        }
        await this.#handleAll(reader, o, messages, inFlight);
        backoff = FIRST_READ_BACKOFF_MS;
      } catch (error) {
        if (stopped()) return;
        this.#o.onError?.(error as Error);
        // A group deleted behind our back (or a stream removed) is made again on the next turn.
        if (String((error as Error).message).includes('NOGROUP')) groupsReady = false;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_READ_BACKOFF_MS);
      }
    }
  }

  /** Hands a batch to the app concurrently (at most `readCount`) and acks what it took or dropped. */
  async #handleAll(
    reader: Redis,
    o: SubscribeOptions,
    messages: ReceivedMessage[],
    inFlight: Set<string>,
  ): Promise<void> {
    if (messages.length === 0) return;
    for (const m of messages) inFlight.add(m.id);
    try {
      const outcomes = await Promise.all(
        messages.map(async (m): Promise<MessageOutcome> => (m.event === undefined ? 'ack' : o.handle(m))),
      );
      const byTopic = new Map<string, string[]>();
      messages.forEach((m, i) => {
        if (outcomes[i] !== 'ack') return;
        byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m.id]);
      });
      for (const [topic, ids] of byTopic) await reader.call('XACK', topic, o.group, ...ids);
    } finally {
      for (const m of messages) inFlight.delete(m.id);
    }
  }

  /** Entries of an XREADGROUP or XAUTOCLAIM reply; one that is not an envelope (or too large) is dropped. */
  #messages(topic: string, entries: unknown, redelivered: boolean): ReceivedMessage[] {
    if (!Array.isArray(entries)) return [];
    const messages: ReceivedMessage[] = [];
    for (const entry of entries as unknown[]) {
      // XAUTOCLAIM lists entries deleted meanwhile (trimmed) as null on older servers.
      if (!Array.isArray(entry)) continue;
      const id = String(entry[0]);
      const fields = Array.isArray(entry[1]) ? (entry[1] as unknown[]) : [];
      const index = fields.findIndex((f, i) => i % 2 === 0 && String(f) === 'data');
      const text = index < 0 ? undefined : String(fields[index + 1]);
      const event =
        text === undefined || Buffer.byteLength(text) > this.#o.maxMessageBytes
          ? undefined
          : parseCloudEvent(text);
      if (event === undefined) {
        this.#o.log?.(
          `warning: pubsub ${JSON.stringify(this.name)}: entry ${id} of stream ${JSON.stringify(topic)} is not ` +
            `a CloudEvent of at most ${this.#o.maxMessageBytes} bytes in a "data" field; acknowledged and dropped`,
        );
      }
      messages.push({ topic, id, event, redelivered });
    }
    return messages;
  }

  #connection(extra: {
    enableOfflineQueue: boolean;
    maxRetriesPerRequest: number;
    commandTimeout?: number;
  }): Redis {
    const redis = new Redis(this.#o.url, {
      ...extra,
      // Reconnects forever, 100 ms after the first failure and doubling to 2 s: an outage of
      // Redis stages ticks and pauses reads; it never ends the server.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times - 1, 5), 2_000),
    });
    // One line per outage of the component (the command connection), not one per attempt.
    redis.on('error', (error: Error) => {
      this.#o.onError?.(error);
      if (redis !== this.#redis || this.#down) return;
      this.#down = true;
      this.#o.log?.(
        `warning: pubsub ${JSON.stringify(this.name)}: Redis at ${this.description} cannot be reached ` +
          `(${error.message}); publishes fail (job ticks are staged) and reads pause until it answers ` +
          '(later errors are counted in tickflow_pubsub_broker_errors_total, not logged)',
      );
    });
    redis.on('ready', () => {
      if (redis !== this.#redis || !this.#down) return;
      this.#down = false;
      this.#o.log?.(`pubsub ${JSON.stringify(this.name)}: Redis at ${this.description} answers again`);
    });
    return redis;
  }
}

/** Creates the app's consumer group on `topic` (and the stream) from its start; one that exists is kept. */
async function createGroup(redis: Redis, topic: string, group: string): Promise<void> {
  try {
    await redis.call('XGROUP', 'CREATE', topic, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
  }
}

/** Resolves once the connection is ready (or the loop stops); ioredis reconnects on its own. */
function waitReady(redis: Redis, stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (redis.status === 'ready' || stopped()) done();
    }, 50);
    const done = (): void => {
      clearInterval(check);
      redis.off('ready', done);
      resolve();
    };
    redis.on('ready', done);
  });
}
