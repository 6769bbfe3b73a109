import type { DeliveryTransport } from '../delivery/delivery-transport.js';
import type { HttpTransport } from '../delivery/http-transport.js';

/** An app instance whose config can be read: an `HttpTransport` (tests script their own). */
export type ActorConfigSource = DeliveryTransport & Pick<HttpTransport, 'getJson'>;

/** Options of `ActorHosts`. */
export interface ActorHostsOptions {
  /** Pause between two reads of an instance's config that answered. Default 10 s. */
  refreshMs?: number;
  /** Deadline of one read. Default 2 s. */
  timeoutMs?: number;
  /** Called when the actor types an instance hosts changed (staged reminders may go now). */
  onChange: (transport: ActorConfigSource, types: ReadonlySet<string>) => void;
  /** Every read's outcome (for `/metrics`). */
  onFetch?: (outcome: 'ok' | 'failed') => void;
  /** Where the first failure of each run of failures and each change of types are reported. */
  log?: (line: string) => void;
}

/** The path Dapr reads an app's actor config from. */
export const ACTOR_CONFIG_PATH = '/dapr/config';
/** Actor types one instance may announce; more are ignored (each costs a set entry and a label). */
export const MAX_ACTOR_TYPES = 1_000;
/** The largest `/dapr/config` answer read; a larger one counts as a failed read. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const FIRST_RETRY_MS = 100;

interface Host {
  readonly transport: ActorConfigSource;
  types: ReadonlySet<string>;
  /** Failed reads in a row (logged at the first, counted in /metrics). */
  failures: number;
  /** Ends the current pause early (an instance answering again may have restarted with new types). */
  wake: (() => void) | undefined;
}

/**
 * Which app instances host which actor types, as Dapr learns it: each instance's `GET
 * /dapr/config` answers `{"entities": ["TypeA", ...]}`. Read at start and every `refreshMs`; a
 * failed read is retried with backoff (100 ms doubling up to `refreshMs`), and the types last read
 * are kept meanwhile (whether the instance is reachable is the delivery policy's business). One
 * loop per instance, so the polling is bounded by `MAX_APP_INSTANCES` reads per pause.
 */
export class ActorHosts {
  readonly #hosts: Host[];
  readonly #o: ActorHostsOptions;
  readonly #abort = new AbortController();

  constructor(transports: readonly ActorConfigSource[], options: ActorHostsOptions) {
    this.#hosts = transports.map((transport) => ({
      transport,
      types: new Set(),
      failures: 0,
      wake: undefined,
    }));
    this.#o = options;
  }

  /** Starts reading every instance's config (in the background: an app may start after tickflow). */
  start(): void {
    for (const host of this.#hosts) void this.#watch(host);
  }

  /** The instances that announced `actorType` (empty: none does, or none answered yet). */
  hostsOf(actorType: string): Set<ActorConfigSource> {
    return new Set(this.#hosts.filter((h) => h.types.has(actorType)).map((h) => h.transport));
  }

  /** Each instance and the actor types it announced. */
  types(): Array<{ instance: string; types: readonly string[] }> {
    return this.#hosts.map((h) => ({ instance: h.transport.instance, types: [...h.types] }));
  }

  /** Reads `transport`'s config now rather than at the end of its pause. */
  refresh(transport: DeliveryTransport): void {
    this.#hosts.find((h) => h.transport === transport)?.wake?.();
  }

  /** Ends the reads (one in flight is abandoned). */
  stop(): void {
    this.#abort.abort();
    for (const host of this.#hosts) host.wake?.();
  }

  async #watch(host: Host): Promise<void> {
    const signal = this.#abort.signal;
    const refreshMs = this.#o.refreshMs ?? 10_000;
    let retryMs = FIRST_RETRY_MS;
    while (!signal.aborted) {
      const answer = await host.transport.getJson(ACTOR_CONFIG_PATH, {
        timeoutMs: this.#o.timeoutMs ?? 2_000,
        maxBytes: MAX_CONFIG_BYTES,
        signal,
      });
      if (signal.aborted) return;
      const types = entities(answer.status, answer.body);
      if (types === undefined) {
        this.#o.onFetch?.('failed');
        if (host.failures++ === 0) {
          this.#o.log?.(
            `warning: app instance ${host.transport.instance}: cannot read its actor types ` +
              `(GET ${ACTOR_CONFIG_PATH}: ${answer.detail}); retried with backoff, the types last read are kept ` +
              '(later failures are counted in tickflow_actor_config_reads_total, not logged)',
          );
        }
        await this.#pause(host, retryMs);
        retryMs = Math.min(retryMs * 2, refreshMs);
        continue;
      }
      this.#o.onFetch?.('ok');
      if (host.failures > 0) {
        this.#o.log?.(
          `app instance ${host.transport.instance}: actor types read again after ${host.failures} failed reads`,
        );
      }
      host.failures = 0;
      retryMs = FIRST_RETRY_MS;
      if (!sameSet(types, host.types)) {
        host.types = types;
        this.#o.log?.(
          `app instance ${host.transport.instance} hosts actor types: ${[...types].map((t) => JSON.stringify(t)).join(', ') || '(none)'}`,
        );
        this.#o.onChange(host.transport, types);
      }
      await this.#pause(host, refreshMs);
    }
  }

  /** Waits `ms`, or less when woken (`refresh`, `stop`). */
  #pause(host: Host, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        host.wake = undefined;
        resolve();
      }
      host.wake = done;
    });
  }
}

/**
 * The actor types of a `/dapr/config` answer. An app without actors has no such route, or
 * answers something else there (404, 405, a page that is not JSON, JSON without `entities`): it
 * hosts none, and that is not a failure (a plain job app must not be warned about). Undefined
 * only when the app was not reached, failed (5xx) or announced `entities` that are not strings.
 */
function entities(status: number, body: unknown): Set<string> | undefined {
  if (status === 0 || status >= 500) return undefined;
  if (status < 200 || status >= 300 || typeof body !== 'object' || body === null) return new Set();
  const list = (body as { entities?: unknown }).entities;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string')) return undefined;
  return new Set((list as string[]).slice(0, MAX_ACTOR_TYPES));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((t) => b.has(t));
}
