import type { HistoryEvent } from '../../history/events.js';
import { DELIVERY_STEP_BYTES, takeDeliveries, type Delivery } from './delivery-portion.js';

/** Runs the steps of one instance for a portion of deliveries (the step runner's `#runSteps`). */
export type StepDrain = (instanceId: string, events: HistoryEvent[], readInbox: boolean) => Promise<void>;

/**
 * In-process deliveries per instance, queued while that instance's step runs: one drain per
 * instance at a time, each step taking a byte-bounded portion (`takeDeliveries`), so a burst of
 * results costs few steps and none over etcd's request limit.
 */
export class StepMailbox {
  readonly #queues = new Map<string, Delivery[]>();
  readonly #run: StepDrain;
  /** Called when a portion's steps failed (before its deliveries are rejected). */
  readonly #onFailure: (instanceId: string) => void;

  constructor(run: StepDrain, onFailure: (instanceId: string) => void) {
    this.#run = run;
    this.#onFailure = onFailure;
  }

  /** Queues `events` for `instanceId`; resolves once a step recorded them (or dropped them). */
  deliver(instanceId: string, events: HistoryEvent[], readInbox: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const delivery = { events, readInbox, resolve, reject };
      const queued = this.#queues.get(instanceId);
      if (queued) {
        queued.push(delivery);
        return;
      }
      const queue = [delivery];
      this.#queues.set(instanceId, queue);
      void this.#drain(instanceId, queue);
    });
  }

  async #drain(instanceId: string, queue: Delivery[]): Promise<void> {
    while (queue.length > 0) {
      const taken = takeDeliveries(queue, DELIVERY_STEP_BYTES);
      try {
        await this.#run(
          instanceId,
          taken.flatMap((d) => d.events),
          taken.some((d) => d.readInbox),
        );
        for (const d of taken) d.resolve();
      } catch (error) {
        this.#onFailure(instanceId);
        for (const d of taken) d.reject(error);
      }
    }
    this.#queues.delete(instanceId);
  }
}
