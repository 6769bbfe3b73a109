import type { EventEmitter } from 'eventemitter3';
import type { RuntimeEvents } from '../runtime/runtime-events.js';
import type { MemoryKv } from '../etcd/memory-kv.js';
import type { SkippingClock } from './skipping-clock.js';

export interface IdleProbeOptions {
  kv: MemoryKv;
  clock: SkippingClock;
  /** The timer service replica: `inFlight` counts triggers whose handling has not settled. */
  timers: { readonly inFlight: number };
  runtime: EventEmitter<RuntimeEvents>;
}

/** Turns spent spinning on a busy trigger that writes nothing before backing off to real waits. */
const FAST_TURNS = 64;
const MAX_BACKOFF_MS = 20;

/**
 * Tells when every instance of a time-skipping environment is idle at the current instant: no
 * store write waiting to reach its watchers, no trigger in flight (a trigger covers a step, an
 * activity run and the write of its progress), no activity running, and no clock callback due.
 * Only then may the clock move on, so work always happens at the virtual time it was due.
 *
 * Everything in the environment runs in this process on an in-memory store, so "nothing changed
 * across a full event-loop turn while nothing was in flight" is a sound test for quiet.
 */
export class IdleProbe {
  readonly #o: IdleProbeOptions;
  #activities = 0;
  #activityWaiters: Array<() => void> = [];
  readonly #off: Array<() => void> = [];

  constructor(options: IdleProbeOptions) {
    this.#o = options;
    const started = (): void => {
      this.#activities++;
    };
    const finished = (): void => {
      this.#activities--;
      const waiters = this.#activityWaiters;
      this.#activityWaiters = [];
      for (const resolve of waiters) resolve();
    };
    options.runtime.on('activityStarted', started);
    options.runtime.on('activityFinished', finished);
    this.#off.push(
      () => options.runtime.off('activityStarted', started),
      () => options.runtime.off('activityFinished', finished),
    );
  }

  /** Activities running right now. */
  get activitiesRunning(): number {
    return this.#activities;
  }

  /** True when, right now, something is known to be in progress or due. */
  get busy(): boolean {
    return this.#o.timers.inFlight > 0 || this.#activities > 0 || this.#o.clock.hasDueNow();
  }

  /** Resolves once every instance is idle at the current instant (time does not move). */
  async settle(): Promise<void> {
    const { kv, clock, timers } = this.#o;
    let quietTurns = 0;
    for (;;) {
      const revision = kv.revision;
      await kv.settled();
      await nextTurn();
      if (clock.hasDueNow()) {
        clock.fireDue();
        quietTurns = 0;
        continue;
      }
      const changed = kv.revision !== revision;
      if (!changed && timers.inFlight === 0 && this.#activities === 0) return;
      if (changed) {
        quietTurns = 0;
      } else if (this.#activities > 0) {
        // An activity doing real I/O: nothing to observe until it finishes.
        await new Promise<void>((resolve) => this.#activityWaiters.push(resolve));
      } else if (++quietTurns > FAST_TURNS) {
        // A trigger handler (not an activity) busy on its own I/O: back off instead of spinning.
        await delay(Math.min(2 ** (quietTurns - FAST_TURNS), MAX_BACKOFF_MS));
      }
    }
  }

  /** Resolves true as soon as something is scheduled on the clock, or false after `graceMs` of real time. */
  nextSchedule(graceMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, graceMs);
      const off = this.#o.clock.onSchedule(() => {
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  close(): void {
    for (const off of this.#off) off();
    this.#off.length = 0;
  }
}

function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

function delay(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}
