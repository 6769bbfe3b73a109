import { setTimeout as sleep } from 'node:timers/promises';
import { SeededRandom } from './random.js';

export interface SimulationOptions {
  /** Same seed, same run: every latency and every transient failure derives from it. */
  seed: number;
  /** Multiplies every simulated latency; 0 makes the services answer at once (tests). Default 1. */
  latencyScale?: number;
  /** Chance that any one payment attempt times out at the gateway. Default 0.08. */
  transientFailureRate?: number;
  /**
   * Maps the key of a decision (it names the order, charge or email it is about) before it is
   * hashed. The demo gives every run new order ids; it strips their run tag here, so the same seed
   * makes the same decisions in every run. Default: the key as it is.
   */
  decisionKey?: (key: string) => string;
}

/** What the simulated services share: seeded randomness and network-like latency. */
export class Simulator {
  readonly random: SeededRandom;
  readonly latencyScale: number;
  readonly transientFailureRate: number;
  readonly #decisionKey: (key: string) => string;

  constructor(options: SimulationOptions) {
    this.random = new SeededRandom(options.seed);
    this.latencyScale = options.latencyScale ?? 1;
    this.transientFailureRate = options.transientFailureRate ?? 0.08;
    this.#decisionKey = options.decisionKey ?? ((key) => key);
  }

  /** True with probability `p`, decided by `key` (and the seed) alone. */
  chance(key: string, p: number): boolean {
    return this.random.chance(this.#decisionKey(key), p);
  }

  /** Waits like a remote call would: between `minMs` and `maxMs`, decided by `key`. */
  async latency(key: string, minMs: number, maxMs: number): Promise<void> {
    const ms = Math.round(
      this.random.int(this.#decisionKey(`latency:${key}`), minMs, maxMs) * this.latencyScale,
    );
    if (ms > 0) await sleep(ms);
  }
}
