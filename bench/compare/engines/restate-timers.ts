/**
 * Restate's durable timers: delayed one-way sends. A `schedule` invocation journals a batch of
 * sends to `fire`, each delayed until its due instant; Restate stores and fires them.
 */
import { RestateEndpoint, encodeJson } from './restate-endpoint.js';
import type { RestateContext } from '../peer-types.js';
import { unsupportedReason } from '../support.js';
import {
  scheduleChunked,
  UnsupportedError,
  type FireListener,
  type OneShot,
  type TimerEngine,
} from './timer-engine.js';

/** Timers journaled by one `schedule` invocation, and invocations in flight. */
const BATCH = 1_000;
const PIPELINE = 4;

export class RestateTimers implements TimerEngine {
  #endpoint: RestateEndpoint | undefined;
  #onFire: FireListener = () => undefined;

  get storePids(): number[] {
    return this.#endpoint ? [this.#endpoint.pid] : [];
  }

  async start(onFire: FireListener): Promise<void> {
    this.#onFire = onFire;
    this.#endpoint = await RestateEndpoint.start({
      Timers: {
        schedule: async (ctx: RestateContext, input: unknown) => {
          const timers = (input as { timers: OneShot[] }).timers;
          const now = await ctx.date.now();
          for (const t of timers) {
            ctx.genericSend({
              service: 'Timers',
              method: 'fire',
              parameter: encodeJson(t),
              delay: Math.max(0, t.dueAtMs - now),
            });
          }
          return timers.length;
        },
        fire: (_ctx: RestateContext, input: unknown) => {
          const t = input as OneShot;
          this.#onFire(t.id, t.dueAtMs, Date.now());
          return Promise.resolve(null);
        },
      },
    });
  }

  async scheduleOneShots(timers: readonly OneShot[]): Promise<void> {
    const endpoint = this.#required();
    await scheduleChunked(
      timers,
      (chunk) => endpoint.call('Timers', 'schedule', { timers: chunk }),
      BATCH,
      PIPELINE,
    );
  }

  scheduleCron(): Promise<void> {
    return Promise.reject(new UnsupportedError(unsupportedReason('restate', 'W3') ?? 'not supported'));
  }

  storeBytes(): Promise<number> {
    return this.#required().storeBytes();
  }

  async close(): Promise<void> {
    await this.#endpoint?.close();
  }

  #required(): RestateEndpoint {
    if (!this.#endpoint) throw new Error('restate timers: start() first');
    return this.#endpoint;
  }
}
