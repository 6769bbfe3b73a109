import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryTransport } from './delivery-transport.js';

/** Options of `AppInstances`. */
export interface AppInstancesOptions {
  /** Longest pause between two probes of an instance that does not answer. */
  maxProbeIntervalMs: number;
  /** Called when an instance that could not be reached answers a probe. */
  onReachable: (transport: DeliveryTransport, failedProbes: number) => void;
  /** Chooses among reachable instances; [0, 1) like Math.random (tests pass their own). */
  random?: () => number;
}

const FIRST_PROBE_INTERVAL_MS = 100;
/**
 * The first probe after an instance became unreachable waits 100 ms doubled this many times at
 * most for each outage in a row that no answered delivery ended: an app that accepts connections
 * (so probes pass) but drops every callback is then re-tried at the probe's slowest pace, not
 * ten times a second.
 */
const MAX_STREAK_DOUBLINGS = 5;

interface Instance {
  readonly transport: DeliveryTransport;
  reachable: boolean;
  /** Outages since the instance last answered a delivery. */
  streak: number;
}

/**
 * The instances of the app, and which of them can be reached. An instance is reachable until a
 * delivery fails to reach it; it is then probed with backoff and rejoins once a probe passes.
 * Deliveries go to a reachable instance picked at random, as Dapr load-balances one app id's
 * replicas. The list is fixed at start (bounded by `MAX_APP_INSTANCES`).
 */
export class AppInstances {
  readonly #instances: Instance[];
  readonly #o: AppInstancesOptions;
  readonly #abort = new AbortController();

  constructor(transports: readonly DeliveryTransport[], options: AppInstancesOptions) {
    this.#instances = transports.map((transport) => ({ transport, reachable: true, streak: 0 }));
    this.#o = options;
  }

  /** A reachable instance not in `exclude`, chosen at random; undefined when none is left. */
  pick(exclude: ReadonlySet<DeliveryTransport>): DeliveryTransport | undefined {
    const candidates = this.#instances.filter((i) => i.reachable && !exclude.has(i.transport));
    if (candidates.length === 0) return undefined;
    const random = this.#o.random ?? Math.random;
    return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]?.transport;
  }

  anyReachable(): boolean {
    return this.#instances.some((i) => i.reachable);
  }

  /** Each instance and whether it is reachable now (for metrics). */
  states(): Array<{ instance: string; reachable: boolean }> {
    return this.#instances.map((i) => ({ instance: i.transport.instance, reachable: i.reachable }));
  }

  /**
   * A delivery could not reach `transport`: no more deliveries go there until a probe passes.
   * True if this starts an outage (it was reachable), so the caller logs it once.
   */
  markUnreachable(transport: DeliveryTransport): boolean {
    const instance = this.#find(transport);
    if (!instance?.reachable) return false;
    instance.reachable = false;
    instance.streak++;
    void this.#probe(instance);
    return true;
  }

  /** `transport` answered a delivery (whatever the answer): its probe backoff starts afresh. */
  markAnswered(transport: DeliveryTransport): void {
    const instance = this.#find(transport);
    if (instance) instance.streak = 0;
  }

  /** Ends the probes. */
  stop(): void {
    this.#abort.abort();
  }

  #find(transport: DeliveryTransport): Instance | undefined {
    return this.#instances.find((i) => i.transport === transport);
  }

  async #probe(instance: Instance): Promise<void> {
    const signal = this.#abort.signal;
    const doublings = Math.min(instance.streak - 1, MAX_STREAK_DOUBLINGS);
    let interval = Math.min(FIRST_PROBE_INTERVAL_MS * 2 ** doublings, this.#o.maxProbeIntervalMs);
    let failed = 0;
    try {
      while (!signal.aborted) {
        await sleep(interval, undefined, { signal });
        if ((await instance.transport.probe(signal)) === undefined) {
          if (signal.aborted) return;
          instance.reachable = true;
          this.#o.onReachable(instance.transport, failed);
          return;
        }
        failed++;
        interval = Math.min(interval * 2, this.#o.maxProbeIntervalMs);
      }
    } catch {
      // Aborted by stop().
    }
  }
}
