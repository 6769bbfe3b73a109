import { setTimeout as sleep } from 'node:timers/promises';
import { SeededRandom } from './random.js';

export interface SimulationOptions {
  /** Same seed, same run: every latency and every transient failure derives from it. */
  seed: number;
  /** Multiplies every simulated latency; 0 makes the services answer at once (tests). Default 1. */
  latencyScale?: number;
  /** Chance that any one payment attempt times out at the gateway. Default 0.08. */
  transientFailureRate?: number;
}

/** What the simulated services share: seeded randomness and network-like latency. */
export class Simulator {
  readonly random: SeededRandom;
  readonly latencyScale: number;
  readonly transientFailureRate: number;

  constructor(options: SimulationOptions) {
    this.random = new SeededRandom(options.seed);
    this.latencyScale = options.latencyScale ?? 1;
    this.transientFailureRate = options.transientFailureRate ?? 0.08;
  }

  /** Waits like a remote call would: between `minMs` and `maxMs`, decided by `key`. */
  async latency(key: string, minMs: number, maxMs: number): Promise<void> {
    const ms = Math.round(this.random.int(`latency:${key}`, minMs, maxMs) * this.latencyScale);
    if (ms > 0) await sleep(ms);
  }
}
